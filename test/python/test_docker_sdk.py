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
