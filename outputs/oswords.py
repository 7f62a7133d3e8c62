"""What the operating system or the network refused, in the words a planner reads (Chinese).

Python names an :class:`OSError` by the C library's English text (``[Errno 111] Connection refused``,
``Name or service not known``); the command line and the sending report say it in Chinese by its errno,
and keep the system's own text only for an errno not listed here.
"""

from __future__ import annotations

import errno
import socket
import ssl

_BY_ERRNO: dict[int, str] = {
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.ENOENT: "找不到该文件或文件夹",
    errno.EEXIST: "已有同名的文件或文件夹",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.EISDIR: "这是一个文件夹",
    errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "磁盘是只读的",
    errno.EIO: "磁盘读写出错（U 盘或网络盘是否已拔出或断开？）",
    errno.EBUSY: "文件或设备正被占用",
    errno.ENAMETOOLONG: "文件名太长",
    errno.EADDRINUSE: "端口已被占用",
    errno.EADDRNOTAVAIL: "本机没有这个地址",
    errno.ECONNREFUSED: "对方拒绝连接：服务器没有运行，或端口不对",
    errno.ECONNRESET: "连接被对方断开",
    errno.ETIMEDOUT: "连接超时",
    errno.ENETUNREACH: "网络不通",
    errno.EHOSTUNREACH: "网络不通",
}


def os_reason(exc: BaseException) -> str:
    """Why ``exc`` happened, in Chinese where the tool knows the reason."""
    if isinstance(exc, socket.gaierror):
        return "无法识别该主机名或地址"
    if isinstance(exc, ssl.SSLError):
        return f"SSL/TLS 加密连接失败（{exc.reason or exc}）"
    if isinstance(exc, TimeoutError) and not getattr(exc, "errno", None):
        return "连接超时"
    code = getattr(exc, "errno", None)
    if isinstance(code, int) and code in _BY_ERRNO:
        return _BY_ERRNO[code]
    text = getattr(exc, "strerror", None) or str(exc)
    return text or type(exc).__name__
