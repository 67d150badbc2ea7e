"""The Python docker SDK against kapseld (DOCKER_HOST points at the test daemon)."""
import docker
import pytest


@pytest.fixture(scope="module")
def client():
    c = docker.from_env(timeout=60)
    yield c
    c.close()


def test_ping_and_version(client):
    assert client.ping() is True
    assert client.version()["ApiVersion"] == "1.50"


def test_run_returns_output(client):
    out = client.containers.run("busybox", ["echo", "hello from sdk"], remove=True)
    assert out == b"hello from sdk\n"


def test_run_failing_command_raises_container_error(client):
    with pytest.raises(docker.errors.ContainerError) as err:
        client.containers.run("busybox", ["sh", "-c", "echo bad >&2; exit 4"], remove=True)
    assert err.value.exit_status == 4


def test_detached_logs_exec_wait_remove(client):
    c = client.containers.run("busybox", ["sh", "-c", "echo started; sleep 30"], detach=True, name="sdk-detached")
    try:
        assert c.status in ("created", "running")
        c.reload()
        assert c.status == "running"
        code, output = c.exec_run(["sh", "-c", "echo $((6*7))"])
        assert code == 0
        assert output == b"42\n"
        code, output = c.exec_run("sh -c 'exit 3'")
        assert code == 3
        for _ in range(50):
            if b"started" in c.logs():
                break
        assert c.logs() == b"started\n"
        c.kill()
        result = c.wait(timeout=30)
        assert result["StatusCode"] == 137
    finally:
        c.remove(force=True)
    with pytest.raises(docker.errors.NotFound):
        client.containers.get("sdk-detached")


def test_unknown_container_is_not_found(client):
    with pytest.raises(docker.errors.NotFound):
        client.containers.get("sdk-no-such-container")


def test_volumes_and_archive(client):
    vol = client.volumes.create("sdk-vol", labels={"made-by": "sdk"})
    try:
        assert vol.attrs["Labels"] == {"made-by": "sdk"}
        out = client.containers.run(
            "busybox", ["sh", "-c", "echo kept > /v/f; cat /v/f"], volumes={"sdk-vol": {"bind": "/v", "mode": "rw"}}, remove=True
        )
        assert out == b"kept\n"
        assert [v.name for v in client.volumes.list(filters={"name": "sdk-vol"})] == ["sdk-vol"]
        c = client.containers.create("busybox", ["true"], volumes={"sdk-vol": {"bind": "/v", "mode": "ro"}})
        try:
            import io
            import tarfile

            buf = io.BytesIO()
            with tarfile.open(fileobj=buf, mode="w") as tar:
                data = b"put by the sdk\n"
                info = tarfile.TarInfo("put.txt")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            assert c.put_archive("/tmp", buf.getvalue()) is True
            stream, stat = c.get_archive("/tmp/put.txt")
            assert stat["name"] == "put.txt"
            assert stat["size"] == len(b"put by the sdk\n")
            got = tarfile.open(fileobj=io.BytesIO(b"".join(stream)))
            assert got.extractfile("put.txt").read() == b"put by the sdk\n"
        finally:
            c.remove(force=True)
    finally:
        vol.remove()


def test_build_from_a_file_object(client):
    import io

    dockerfile = io.BytesIO(b"FROM busybox\nRUN echo built > /built\nCMD [\"cat\", \"/built\"]\n")
    image, logs = client.images.build(fileobj=dockerfile, tag="sdk-built:1", rm=True)
    try:
        assert "sdk-built:1" in image.tags
        assert any("Successfully built" in entry.get("stream", "") for entry in logs)
        assert client.containers.run("sdk-built:1", remove=True) == b"built\n"
    finally:
        client.images.remove("sdk-built:1", force=True)


def test_builds_of_two_dockerfiles_alike_but_for_their_bytes(client):
    import io

    # docker-py's build context gives the Dockerfile mtime 0: only its bytes tell them apart
    outputs = []
    for word in (b"first", b"other"):
        dockerfile = io.BytesIO(b'FROM busybox\nCMD ["echo", "' + word + b'"]\n')
        image, _ = client.images.build(fileobj=dockerfile, rm=True)
        outputs.append(client.containers.run(image.id, remove=True))
    assert outputs == [b"first\n", b"other\n"]


def test_stats_of_a_running_container(client):
    c = client.containers.run("busybox", ["sleep", "30"], detach=True)
    try:
        s = c.stats(stream=False)
        assert s["id"] == c.id
        assert s["pids_stats"]["current"] == 1
        assert s["memory_stats"]["usage"] > 0
    finally:
        c.remove(force=True)


# ---- what docker-py's own integration suite (tests/integration) checks, kept fast ----------------


def test_not_in_a_swarm_answers_like_docker(client):
    # docker-py's leave_swarm(force=True) treats Docker's 503 as "not in a swarm"
    assert client.api.leave_swarm(force=True) is True
    with pytest.raises(docker.errors.APIError) as err:
        client.api.nodes()
    assert err.value.response.status_code == 503
    assert "not a swarm manager" in err.value.explanation


def test_exec_terminal_is_the_create_request_s(client):
    c = client.containers.run("busybox", ["sleep", "30"], detach=True)
    try:
        # a Tty exec started with tty=False: the terminal's output, framed as stdout
        ex = client.api.exec_create(c.id, ["sh", "-c", "echo out; echo err >&2"], tty=True)
        assert client.api.exec_start(ex, demux=True) == (b"out\r\nerr\r\n", None)
        # Go decodes field names case-insensitively: docker-py sends "detachKeys"
        ex = client.api.exec_create(c.id, ["true"], detach_keys="ctrl-x")
        assert client.api.exec_inspect(ex)["DetachKeys"] == "ctrl-x"
    finally:
        c.remove(force=True)


def test_update_changes_limits_of_a_running_container(client):
    c = client.containers.run("busybox", ["sleep", "30"], detach=True, mem_limit="400m", cpu_shares=2)
    try:
        c.update(mem_limit="300m", cpu_shares=512, restart_policy={"Name": "on-failure", "MaximumRetryCount": 2})
        c.reload()
        hc = c.attrs["HostConfig"]
        assert (hc["Memory"], hc["CpuShares"]) == (300 * 1024 * 1024, 512)
        assert hc["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 2}
        code, out = c.exec_run(["cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes"])
        assert (code, out) == (0, b"314572800\n")
        with pytest.raises(docker.errors.APIError) as err:
            client.api.update_container(c.id, restart_policy={"Name": "always", "MaximumRetryCount": 1})
        assert err.value.response.status_code == 400
    finally:
        c.remove(force=True)


def test_host_config_is_kept_as_given_and_applied(client):
    hc = client.api.create_host_config(
        cgroupns="private",
        isolation="default",
        device_cgroup_rules=["c 7:128 rwm"],
        devices=["/dev/null:/dev/xnull:rwm"],
    )
    c = client.api.create_container("busybox", ["sh", "-c", "echo x > /dev/xnull && echo written"], host_config=hc)
    try:
        got = client.api.inspect_container(c)["HostConfig"]
        assert got["CgroupnsMode"] == "private"
        assert got["Isolation"] == "default"
        assert got["DeviceCgroupRules"] == ["c 7:128 rwm"]
        client.api.start(c)
        assert client.api.wait(c)["StatusCode"] == 0
        assert client.api.logs(c) == b"written\n"
    finally:
        client.api.remove_container(c, force=True)


def test_log_drivers_none_and_unknown(client):
    c = client.containers.run("busybox", ["echo", "hi"], detach=True, log_config={"type": "none"})
    try:
        c.wait()
        with pytest.raises(docker.errors.APIError) as err:
            c.logs()
        assert err.value.response.status_code == 501
        assert err.value.explanation == "configured logging driver does not support reading"
    finally:
        c.remove(force=True)
    with pytest.raises(docker.errors.APIError) as err:
        client.api.create_container("busybox", ["true"], host_config=client.api.create_host_config(log_config={"type": "asdf"}))
    assert err.value.explanation == 'error looking up logging plugin asdf: plugin "asdf" not found'


def test_followed_logs_come_line_by_line(client):
    c = client.containers.run("busybox", ["sh", "-c", "echo hello && echo world"], detach=True)
    try:
        c.wait()
        assert list(c.logs(stream=True, follow=True)) == [b"hello\n", b"world\n"]
    finally:
        c.remove(force=True)


def test_legacy_link_names_and_removal(client):
    db = client.containers.run("busybox", ["sleep", "30"], detach=True, name="sdk-db")
    web = client.containers.run("busybox", ["sleep", "30"], detach=True, name="sdk-web", links={"sdk-db": "dblink"})
    try:
        names = {c["Id"]: c["Names"] for c in client.api.containers()}
        assert names[db.id] == ["/sdk-db", "/sdk-web/dblink"]
        client.api.remove_container("sdk-web/dblink", link=True)
        names = {c["Id"]: c["Names"] for c in client.api.containers()}
        assert names[db.id] == ["/sdk-db"]
        web.reload()
        assert web.attrs["HostConfig"]["Links"] is None
    finally:
        web.remove(force=True)
        db.remove(force=True)


def test_load_of_a_bad_archive_is_an_error_in_the_stream(client):
    with pytest.raises(docker.errors.ImageLoadError):
        client.images.load(b"abc")


def test_healthcheck_status_log_and_events(client):
    second = 1_000_000_000
    ok = client.containers.run(
        "busybox", ["sleep", "30"], detach=True, healthcheck={"test": ["CMD", "true"], "interval": second // 5}
    )
    bad = client.containers.run(
        "busybox",
        ["sleep", "30"],
        detach=True,
        healthcheck={"test": "echo failing; exit 1", "interval": second // 5, "retries": 2},
    )
    try:
        import time

        for _ in range(50):
            ok.reload()
            bad.reload()
            if ok.attrs["State"]["Health"]["Status"] == "healthy" and bad.attrs["State"]["Health"]["Status"] == "unhealthy":
                break
            time.sleep(0.1)
        assert ok.attrs["State"]["Health"]["Status"] == "healthy"
        health = bad.attrs["State"]["Health"]
        assert health["Status"] == "unhealthy"
        assert health["FailingStreak"] >= 2
        assert health["Log"][-1]["ExitCode"] == 1
        assert health["Log"][-1]["Output"] == "failing\n"
        listed = client.api.containers(filters={"health": "unhealthy"})
        assert [c["Id"] for c in listed] == [bad.id]
        assert listed[0]["Status"].endswith("(unhealthy)")
    finally:
        ok.remove(force=True)
        bad.remove(force=True)


def test_older_api_versions_get_older_shapes():
    old = docker.APIClient(version="1.44", **docker.utils.kwargs_from_env())
    net = old.create_network("sdk-old-api")["Id"]
    c = old.create_container("busybox", ["sleep", "30"], host_config=old.create_host_config(network_mode="sdk-old-api"))
    try:
        old.start(c)
        aliases = old.inspect_container(c)["NetworkSettings"]["Networks"]["sdk-old-api"]["Aliases"]
        assert aliases == [c["Id"][:12]]
        # before 1.50 an image's Config has every container-config field, OnBuild too
        assert old.inspect_image("busybox")["Config"]["OnBuild"] is None
    finally:
        old.remove_container(c, force=True)
        old.remove_network(net)
        old.close()


def test_network_ipam_as_given_and_endpoint_driver_opts(client):
    ipam = docker.types.IPAMConfig(
        pool_configs=[docker.types.IPAMPool(subnet="10.199.251.0/24", aux_addresses={"a": "10.199.251.2"})]
    )
    net = client.networks.create("sdk-ipam", ipam=ipam)
    try:
        got = net.attrs["IPAM"]
        assert got["Options"] is None
        assert got["Config"][0]["AuxiliaryAddresses"] == {"a": "10.199.251.2"}
        c = client.api.create_container(
            "busybox",
            ["sleep", "30"],
            host_config=client.api.create_host_config(network_mode="sdk-ipam"),
            networking_config=client.api.create_networking_config(
                {"sdk-ipam": client.api.create_endpoint_config(driver_opt={"k": "v"})}
            ),
        )
        try:
            client.api.start(c)
            ep = client.api.inspect_container(c)["NetworkSettings"]["Networks"]["sdk-ipam"]
            assert ep["DriverOpts"] == {"k": "v"}
            # the auxiliary address is never given to a container
            assert ep["IPAddress"] == "10.199.251.3"
        finally:
            client.api.remove_container(c, force=True)
    finally:
        net.remove()
