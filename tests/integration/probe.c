/* A real (non-busybox) static program for container tests. Without a mode it prints its
 * arguments. With a mode it performs one attacker move and prints the errno it got:
 *   traceme            ptrace(PTRACE_TRACEME), then says whether it survived
 *   ptrace-attach PID  ptrace(PTRACE_ATTACH, PID)
 *   unshare-user       unshare(CLONE_NEWUSER)
 *   unshare-mount      unshare(CLONE_NEWNS)
 *   clone-newns        clone(CLONE_NEWUSER|CLONE_NEWNS|SIGCHLD): a child in new namespaces
 *   clone3             clone3() of a plain child (the kernel would create it)
 *   setns              setns(open("/proc/1/ns/mnt"), 0)
 *   bpf                bpf(BPF_MAP_CREATE, ...)
 *   packet-socket      socket(AF_PACKET, SOCK_RAW, 0)
 *   mount-setattr PATH mount_setattr(PATH) clearing MOUNT_ATTR_RDONLY (a read-only bind)
 *   pivot-root         pivot_root("/tmp", "/tmp")
 *   fspick             fspick(AT_FDCWD, "/"), then fsconfig on what it returned
 *   io-uring-setup     io_uring_setup(1, ...)
 *   vm-write PID       process_vm_writev(PID) to an unmapped address (the kernel: EFAULT)
 *   mem-write PID      open("/proc/PID/mem", O_RDWR), a byte written at an unmapped address
 *   init-module        init_module(an empty image)
 *   finit-module       finit_module(open("/dev/null"))
 *   memfd-exec-path    the same through execve("/proc/self/fd/N"), not AT_EMPTY_PATH
 *   mkfifo PATH        mknod(PATH, S_IFIFO|0600)
 *   memfd-exec         copies itself into a memfd and executes that (fileless), as
 *                      `probe from-memfd`
 *   redirect           dup2()s a TCP socket onto stderr (a reverse shell's first move)
 *   open-write PATH    open(PATH, O_WRONLY|O_CREAT|O_APPEND), then writes a line (the
 *                      two results are reported apart)
 *   open-read PATH     open(PATH, O_RDONLY)
 *   open-loop N PATH   N open(PATH, O_RDONLY) + close, timed; prints microseconds per open
 *   latency N          N intercepted mkdir()s (each followed by rmdir), each timed;
 *                      prints the median, 99th percentile and worst in microseconds
 *   exec-loop N PATH   N times: fork, execve(PATH) (no arguments), wait; timed; prints
 *                      microseconds per fork+exec
 *   read-dir PASSES DIR  PASSES passes of open+read+close over every file of DIR, timed
 *                      after the first; prints microseconds per file (cat's work)
 *   noop               exits 0 at once (what exec-loop runs)
 *   run PATH ARGS...   forks, execve()s PATH with argv PATH ARGS... and waits. busybox sh
 *                      runs many applets (grep, nc) without any execve; this makes the
 *                      exec real, as a full shell would */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp_double(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

static int report(const char* what, long r) {
  printf("%s: %s\n", what, r >= 0 ? "ok" : strerror(errno));
  return 0;
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "traceme") == 0) {
    ptrace(PTRACE_TRACEME, 0, 0, 0);
    printf("survived\n");
    return 0;
  }
  if (argc > 2 && strcmp(argv[1], "ptrace-attach") == 0) {
    return report("ptrace-attach", ptrace(PTRACE_ATTACH, atoi(argv[2]), 0, 0));
  }
  if (argc > 1 && strcmp(argv[1], "unshare-user") == 0) {
    return report("unshare-user", unshare(CLONE_NEWUSER));
  }
  if (argc > 1 && strcmp(argv[1], "unshare-mount") == 0) {
    return report("unshare-mount", unshare(CLONE_NEWNS));
  }
  if (argc > 1 && strcmp(argv[1], "clone-newns") == 0) {
    long pid = syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) _exit(0);
    if (pid > 0) waitpid((pid_t)pid, NULL, 0);
    return report("clone-newns", pid);
  }
  if (argc > 1 && strcmp(argv[1], "clone3") == 0) {
    unsigned long long args[11] = {0};
    args[4] = SIGCHLD; /* exit_signal */
    long pid = syscall(435 /* clone3 */, args, sizeof(args));
    if (pid == 0) _exit(0);
    if (pid > 0) waitpid((pid_t)pid, NULL, 0);
    return report("clone3", pid);
  }
  if (argc > 1 && strcmp(argv[1], "setns") == 0) {
    int fd = open("/proc/1/ns/mnt", O_RDONLY);
    return report("setns", setns(fd, 0));
  }
  if (argc > 1 && strcmp(argv[1], "bpf") == 0) {
    char attr[128] = {0};
    return report("bpf", syscall(SYS_bpf, 0, attr, sizeof(attr)));
  }
  if (argc > 1 && strcmp(argv[1], "packet-socket") == 0) {
    return report("packet-socket", socket(AF_PACKET, SOCK_RAW, 0));
  }
  if (argc > 2 && strcmp(argv[1], "mount-setattr") == 0) {
    unsigned long long attr[4] = {0, 0x1 /* attr_clr: MOUNT_ATTR_RDONLY */, 0, 0};
    return report("mount-setattr", syscall(442 /* mount_setattr */, AT_FDCWD, argv[2], 0,
                                           attr, sizeof(attr)));
  }
  if (argc > 1 && strcmp(argv[1], "pivot-root") == 0) {
    return report("pivot-root", syscall(SYS_pivot_root, "/tmp", "/tmp"));
  }
  if (argc > 1 && strcmp(argv[1], "fspick") == 0) {
    long fd = syscall(433 /* fspick */, AT_FDCWD, "/", 0);
    report("fspick", fd);
    /* fsconfig(FSCONFIG_CMD_RECONFIGURE) on a bad fd: the kernel's own answer is EBADF */
    return report("fsconfig", syscall(431 /* fsconfig */, fd < 0 ? 9999 : fd, 7, 0, 0, 0));
  }
  if (argc > 2 && strcmp(argv[1], "vm-write") == 0) {
    char byte = 'x';
    struct {
      void* base;
      size_t len;
    } local = {&byte, 1}, remote = {(void*)0x10, 1};
    return report("vm-write", syscall(SYS_process_vm_writev, atoi(argv[2]), &local, 1, &remote,
                                      1, 0));
  }
  if (argc > 2 && strcmp(argv[1], "mem-write") == 0) {
    char path[64];
    snprintf(path, sizeof(path), "/proc/%s/mem", argv[2]);
    int fd = open(path, O_RDWR);
    report("mem-open", fd);
    return fd < 0 ? 0 : report("mem-write", pwrite(fd, "x", 1, 0x10));
  }
  if (argc > 1 && strcmp(argv[1], "io-uring-setup") == 0) {
    char params[120] = {0};
    return report("io-uring-setup", syscall(425 /* io_uring_setup */, 1, params));
  }
  if (argc > 1 && strcmp(argv[1], "init-module") == 0) {
    char image[64] = {0};
    return report("init-module", syscall(SYS_init_module, image, sizeof(image), ""));
  }
  if (argc > 1 && strcmp(argv[1], "finit-module") == 0) {
    int fd = open("/dev/null", O_RDONLY);
    return report("finit-module", syscall(SYS_finit_module, fd, "", 0));
  }
  if (argc > 1 && strcmp(argv[1], "redirect") == 0) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    return report("redirect", dup2(s, 2));
  }
  if (argc > 2 && strcmp(argv[1], "open-write") == 0) {
    int fd = open(argv[2], O_WRONLY | O_CREAT | O_APPEND, 0755);
    if (fd < 0) return report("open-write", fd);
    return report("open-write: the open succeeded, then write", write(fd, "x\n", 2) == 2 ? 0 : -1);
  }
  if (argc > 2 && strcmp(argv[1], "open-read") == 0) {
    return report("open-read", open(argv[2], O_RDONLY));
  }
  if (argc > 3 && strcmp(argv[1], "open-loop") == 0) {
    int n = atoi(argv[2]);
    if (n <= 0 || n > 10000000) return report("open-loop", -1);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < n; ++i) {
      int fd = open(argv[3], O_RDONLY);
      if (fd < 0) return report("open-loop", fd);
      close(fd);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("open-loop: %.3f us per open\n",
           ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1e3 / n);
    return 0;
  }
  if (argc > 1 && strcmp(argv[1], "noop") == 0) return 0;
  if (argc > 3 && strcmp(argv[1], "exec-loop") == 0) {
    int n = atoi(argv[2]);
    if (n <= 0 || n > 1000000) return report("exec-loop", -1);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < n; ++i) {
      pid_t c = fork();
      if (c < 0) return report("exec-loop", -1);
      if (c == 0) {
        execl(argv[3], argv[3], "noop", (char*)0);
        _exit(127);
      }
      int st = 0;
      waitpid(c, &st, 0);
      if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        printf("exec-loop: the child failed (status %d)\n", st);
        return 1;
      }
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("exec-loop: %.3f us per fork+exec\n",
           ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1e3 / n);
    return 0;
  }
  if (argc > 3 && strcmp(argv[1], "read-dir") == 0) {
    int passes = atoi(argv[2]);
    if (passes < 2 || passes > 10000) return report("read-dir", -1);
    char names[1024][64];
    int files = 0;
    DIR* d = opendir(argv[3]);
    if (!d) return report("read-dir", -1);
    for (struct dirent* e; (e = readdir(d)) && files < 1024;) {
      if (e->d_type == DT_REG && strlen(e->d_name) < 40) {
        snprintf(names[files++], 64, "%s/%s", argv[3], e->d_name);
      }
    }
    closedir(d);
    struct timespec a, b;
    char buf[4096];
    for (int p = 0; p < passes; ++p) {
      if (p == 1) clock_gettime(CLOCK_MONOTONIC, &a);
      for (int i = 0; i < files; ++i) {
        int fd = open(names[i], O_RDONLY);
        if (fd < 0) return report("read-dir", fd);
        while (read(fd, buf, sizeof(buf)) > 0) {
        }
        close(fd);
      }
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("read-dir: %.3f us per file (%d files)\n",
           ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1e3 /
               ((double)files * (passes - 1)),
           files);
    return 0;
  }
  if (argc > 2 && strcmp(argv[1], "latency") == 0) {
    int n = atoi(argv[2]);
    if (n <= 0 || n > 1000000) return report("latency", -1);
    double* us = malloc(sizeof(double) * (size_t)n);
    for (int i = 0; i < n; ++i) {
      struct timespec a, b;
      clock_gettime(CLOCK_MONOTONIC, &a);
      mkdir("/tmp/vigil-latency", 0755);
      clock_gettime(CLOCK_MONOTONIC, &b);
      rmdir("/tmp/vigil-latency");
      us[i] = (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3;
    }
    qsort(us, (size_t)n, sizeof(double), cmp_double);
    printf("latency: n=%d p50=%.0fus p99=%.0fus max=%.0fus\n", n, us[n / 2], us[(n * 99) / 100],
           us[n - 1]);
    free(us);
    return 0;
  }
  if (argc > 2 && strcmp(argv[1], "run") == 0) {
    pid_t child = fork();
    if (child == 0) {
      execv(argv[2], &argv[2]);
      _exit(127);
    }
    int status = 0;
    waitpid(child, &status, 0);
    return 0;
  }
  if (argc > 1 && strcmp(argv[1], "i386-mount") == 0) {
    // mount(2) through the i386 entry point (int 0x80, i386 number 21): a filter that only
    // knew x86_64 numbers would let it reach the kernel (which says EFAULT to these args).
    long r;
    __asm__ volatile("int $0x80"
                     : "=a"(r)
                     : "a"(21L), "b"(0L), "c"(0L), "d"(0L), "S"(0L), "D"(0L)
                     : "memory");
    printf("i386-mount: returned %ld\n", r);
    return 0;
  }
  if (argc > 1 && strcmp(argv[1], "x32-mount") == 0) {
    // mount(2) through the x32 ABI (x86_64 number 165 with __X32_SYSCALL_BIT).
    return report("x32-mount", syscall(165 | 0x40000000L, 0, 0, 0, 0, 0));
  }
  if (argc > 2 && strcmp(argv[1], "truncate") == 0) {
    return report("truncate", syscall(SYS_truncate, argv[2], 0));
  }
  if (argc > 2 && strcmp(argv[1], "mkfifo") == 0) {
    return report("mkfifo", syscall(SYS_mknodat, AT_FDCWD, argv[2], S_IFIFO | 0600, 0));
  }
  if (argc > 1 && strcmp(argv[1], "memfd-exec-path") == 0) {
    int in = open("/proc/self/exe", O_RDONLY);
    int mem = (int)syscall(SYS_memfd_create, "payload", 0);
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof(buf))) > 0) {
      if (write(mem, buf, (size_t)n) != n) return report("memfd-exec-path", -1);
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", mem);
    char* args[] = {"probe", "from-memfd-path", NULL};
    char* env[] = {NULL};
    execve(path, args, env);
    return report("memfd-exec-path", -1);
  }
  if (argc > 1 && strcmp(argv[1], "memfd-exec") == 0) {
    int in = open("/proc/self/exe", O_RDONLY);
    int mem = (int)syscall(SYS_memfd_create, "payload", 0);
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof(buf))) > 0) {
      if (write(mem, buf, (size_t)n) != n) return report("memfd-exec", -1);
    }
    char* args[] = {"probe", "from-memfd", NULL};
    char* env[] = {NULL};
    syscall(SYS_execveat, mem, "", args, env, 0x1000 /* AT_EMPTY_PATH */);
    return report("memfd-exec", -1);
  }
  printf("probe:");
  for (int i = 1; i < argc; ++i) printf(" %s", argv[i]);
  printf("\n");
  return 0;
}
