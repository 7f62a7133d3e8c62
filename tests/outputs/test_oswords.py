"""What the system or the network refused, told in Chinese by its errno (``outputs.oswords``)."""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path

import pytest

from outputs.oswords import os_reason


def _raised(action) -> OSError:
    with pytest.raises(OSError) as caught:
        action()
    return caught.value


def test_real_file_system_errors_are_chinese(tmp_path: Path) -> None:
    """Errors the file system really raises (not made up): a file where a folder should be, a missing
    file, a name taken."""
    plain = tmp_path / "a.txt"
    plain.write_text("x", encoding="utf-8")
    assert os_reason(_raised(lambda: (plain / "b").mkdir())) == "路径中有一段不是文件夹"
    assert os_reason(_raised(lambda: (tmp_path / "无").read_text())) == "找不到该文件或文件夹"
    assert os_reason(_raised(lambda: plain.mkdir())) == "已有同名的文件或文件夹"


def test_a_refused_connection_and_an_unknown_host() -> None:
    """A port nobody listens on, and a name no resolver knows (``.invalid`` is reserved for that)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again before the connection is tried
    refused = _raised(lambda: socket.create_connection(("127.0.0.1", port), timeout=5))
    assert os_reason(refused).startswith("对方拒绝连接")
    unknown = _raised(lambda: socket.getaddrinfo("nohost.invalid", 25))
    assert os_reason(unknown) == "无法识别该主机名或地址"


def test_an_errno_not_listed_keeps_the_system_text() -> None:
    error = OSError(errno.ENOTEMPTY, os.strerror(errno.ENOTEMPTY))
    assert os_reason(error) == os.strerror(errno.ENOTEMPTY)
