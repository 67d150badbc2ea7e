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


def test_stats_of_a_running_container(client):
    c = client.containers.run("busybox", ["sleep", "30"], detach=True)
    try:
        s = c.stats(stream=False)
        assert s["id"] == c.id
        assert s["pids_stats"]["current"] == 1
        assert s["memory_stats"]["usage"] > 0
    finally:
        c.remove(force=True)
