# Stops a program at the entry of a system call (ptrace, no debugger needed) and reads its main stack there.
"""run_until_syscall(argv, env, cwd, names) runs argv under ptrace and, at the entry of the first system
call named in `names` ("execve", "exit_group"), copies the whole main-thread stack mapping, then lets the
program go on. The stack is read through /proc/PID/mem, or, where a non-dumpable tracee (dotenv-run
makes itself one) hides it from a user other than root, with PTRACE_PEEKDATA, which a tracer may
always use on its stopped tracee. Linux x86_64 and aarch64 (PTRACE_GET_SYSCALL_INFO, Linux 5.3)."""
import ctypes
import os
import platform
import signal
import struct

PTRACE_TRACEME = 0
PTRACE_PEEKDATA = 2
PTRACE_SYSCALL = 24
PTRACE_SETOPTIONS = 0x4200
PTRACE_GET_SYSCALL_INFO = 0x420E
PTRACE_O_TRACESYSGOOD = 0x1
PTRACE_O_EXITKILL = 0x100000
SYSCALL_INFO_ENTRY = 1
LIMIT = 1024 * 1024

SYSCALLS = {"x86_64": {"execve": 59, "exit_group": 231}, "aarch64": {"execve": 221, "exit_group": 94}}

_libc = ctypes.CDLL(None, use_errno=True)
_libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
_libc.ptrace.restype = ctypes.c_long


def supported():
    """None when this machine can run the scan, else why not."""
    if platform.system() != "Linux" or platform.machine() not in SYSCALLS:
        return f"ptrace syscall stops are only wired for Linux on {', '.join(SYSCALLS)}"
    return None


def _ptrace(request, pid, addr=0, data=0):
    ctypes.set_errno(0)
    result = _libc.ptrace(request, pid, ctypes.c_void_p(addr), ctypes.c_void_p(data))
    err = ctypes.get_errno()
    if result == -1 and err != 0:
        raise OSError(err, os.strerror(err))
    return result


def _peek(pid, address):
    """One word at `address`, or None where nothing is mapped."""
    try:
        return struct.pack("<q", _ptrace(PTRACE_PEEKDATA, pid, address))
    except OSError:
        return None


def _stack_mapping(pid, sp):
    """[low, high) of the mapping that holds sp, from /proc/PID/maps; None when that is not readable (a
    non-dumpable tracee of another user than root)."""
    try:
        with open(f"/proc/{pid}/maps") as maps:
            for line in maps:
                low, high = (int(x, 16) for x in line.split()[0].split("-"))
                if low <= sp < high:
                    return low, high
    except OSError:
        pass
    return None


def _read_stack(pid, sp):
    """The stack mapping around `sp`: its bounds from /proc/PID/maps where readable, else probed word by word
    (down at most LIMIT bytes: a read below the mapping would grow the stack, up to the end of the stack)."""
    word = 8
    sp -= sp % word
    bounds = _stack_mapping(pid, sp)
    if bounds is not None:
        low, high = bounds
        try:
            with open(f"/proc/{pid}/mem", "rb") as mem:
                mem.seek(low)
                return low, sp, mem.read(high - low)
        except OSError:
            pass
        return low, sp, b"".join(_peek(pid, a) or bytes(word) for a in range(low, high, word))
    below = []
    address = sp - word
    while sp - address <= LIMIT and (data := _peek(pid, address)) is not None:
        below.append(data)
        address -= word
    low = address + word
    above = []
    address = sp
    while (data := _peek(pid, address)) is not None:
        above.append(data)
        address += word
    return low, sp, b"".join(reversed(below)) + b"".join(above)


class Stop:
    """What was seen at the stop: the system call, the stack pointer and the stack mapping [low, low + len)."""

    def __init__(self, syscall, low, sp, memory):
        self.syscall, self.low, self.sp, self.memory = syscall, low, sp, memory

    def find(self, needle):
        """Offsets (relative to sp: negative below it) where `needle` occurs in the stack."""
        found, start = [], 0
        while (at := self.memory.find(needle, start)) >= 0:
            found.append(self.low + at - self.sp)
            start = at + 1
        return found


def run_until_syscall(argv, env, cwd, names, stdout, stderr, timeout=60):
    """Runs argv; returns (exit status, Stop at the first entry of one of `names`, or None)."""
    numbers = {number: name for name, number in SYSCALLS[platform.machine()].items() if name in names}
    pid = os.fork()
    if pid == 0:  # the child: become a tracee, then run argv
        try:
            os.dup2(stdout, 1)
            os.dup2(stderr, 2)
            os.chdir(cwd)
            _ptrace(PTRACE_TRACEME, 0)
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    stop = None
    reaped = False

    def too_long(*_):
        raise TimeoutError(f"{argv[0]} did not finish within {timeout} s under ptrace")

    previous = signal.signal(signal.SIGALRM, too_long)
    signal.alarm(timeout)
    try:
        _, status = os.waitpid(pid, 0)  # the SIGTRAP after the child's own execve
        _ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL)
        info = ctypes.create_string_buffer(88)
        deliver = 0
        while True:
            _ptrace(PTRACE_SYSCALL, pid, 0, deliver)
            _, status = os.waitpid(pid, 0)
            if os.WIFEXITED(status) or os.WIFSIGNALED(status):
                reaped = True
                return (os.WEXITSTATUS(status) if os.WIFEXITED(status) else -os.WTERMSIG(status)), stop
            sig = os.WSTOPSIG(status)
            if sig != (signal.SIGTRAP | 0x80):
                deliver = 0 if sig == signal.SIGTRAP else sig
                continue
            deliver = 0
            if stop is not None:
                continue
            _ptrace(PTRACE_GET_SYSCALL_INFO, pid, ctypes.sizeof(info), ctypes.addressof(info))
            op = info.raw[0]
            sp, nr = struct.unpack_from("<QQ", info.raw, 16)
            if op == SYSCALL_INFO_ENTRY and nr in numbers:
                stop = Stop(numbers[nr], *_read_stack(pid, sp))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        if not reaped:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
