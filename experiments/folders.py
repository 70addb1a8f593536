"""Output folders one command owns at a time: an exclusive lock, and what dead processes left.

Two commands writing into one folder mix their results silently (a sweep and a second
``--force`` sweep into the same ``--out`` both exit 0 with a table of both), so every command
that writes a folder holds :class:`FolderLock` on it from start to finish. The lock is an
``flock`` on a hidden sibling file, which the kernel releases when its process dies: a lock left
by a killed command is never in the way, and nothing has to guess whether it is stale.
"""

import fcntl
import os
import shutil
import sys
from pathlib import Path

from sim.errors import InputError


def lock_path(folder: Path) -> Path:
    """The lock beside ``folder`` (not inside it: ``--force`` replaces the folder whole)."""
    folder = Path(folder)
    return folder.parent / f".{folder.name}.lock"


class FolderLock:
    """Exclusive ownership of an output folder while a command writes it (``with`` block)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.path = lock_path(self.folder)
        self._fd: int | None = None

    def __enter__(self) -> "FolderLock":
        self.acquire()
        return self

    def __exit__(self, *_) -> None:
        self.release()

    def acquire(self) -> None:
        """Take the lock or fail at once with a one-line error naming the holder."""
        while True:
            fd = self._open()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_holder(fd)
                os.close(fd)
                raise InputError(
                    "--out",
                    "folder",
                    str(self.folder),
                    f"a folder no other tpn command is writing ({holder} is; wait for it to "
                    "finish or stop it)",
                ) from None
            # The holder may have released and removed the file between our open and our
            # lock: then we hold a lock on a file nobody else will see. Start again.
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {' '.join(['tpn', *sys.argv[1:]])}\n".encode())
        self._fd = fd

    def _open(self) -> int:
        """The lock file, created with its folder if needed; a place tpn cannot write is a
        one-line error before anything else happens."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise InputError(
                "--out", "folder", str(self.folder), f"a place tpn can write ({error.strerror})"
            ) from None

    def release(self) -> None:
        if self._fd is None:
            return
        self.path.unlink(missing_ok=True)  # still locked here, so no one else is mid-check
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None


def _read_holder(fd: int) -> str:
    """'process 1234 (tpn sweep ...)' from the lock file, as far as it was written."""
    text = os.pread(fd, 1000, 0).decode(errors="replace").strip()
    pid, _, command = text.partition(" ")
    if not pid.isdigit():
        return "another process"
    return f"process {pid} ({command})" if command else f"process {pid}"


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists (on this machine)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_dead_partials(folder: Path) -> None:
    """Remove ``.NAME.partial-PID`` folders that a killed command left beside ``folder``."""
    folder = Path(folder)
    if not folder.parent.is_dir():
        return
    for partial in folder.parent.glob(f".{folder.name}.partial-*"):
        pid = partial.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(partial, ignore_errors=True)
