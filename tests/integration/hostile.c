/* A hostile container process for robustness tests: hands vigil unmapped pointers, huge
 * and non-UTF-8 paths, and dies in the middle of notifications. Prints what it saw. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char* what, long r) {
  printf("%s: %s\n", what, r == 0 ? "ok" : strerror(errno));
  fflush(stdout);
}

int main(int argc, char** argv) {
  mkdir("/tmp/blocked", 0755);
  /* A pointer into unmapped memory: vigil cannot read it; the kernel answers EFAULT. */
  report("unmapped", syscall(SYS_mkdir, (const char*)0x10, 0755));
  /* A 64 KiB path below the blocked folder: longer than PATH_MAX. */
  size_t n = 64 * 1024;
  char* big = malloc(n + 1);
  if (!big) return 1;
  strcpy(big, "/tmp/blocked/");
  memset(big + 13, 'a', n - 13);
  big[n] = 0;
  report("huge", mkdir(big, 0755));
  /* Paths at PATH_MAX: the longest the kernel accepts (4095 bytes and the NUL) must be
   * read whole, so a rule on its end still matches; one byte more is the kernel's
   * ENAMETOOLONG. Built of short components, so only the total length is extreme. */
  char at_max[PATH_MAX + 1];
  const char* end = "/pathmax-end";
  strcpy(at_max, "/tmp");
  size_t len = strlen(at_max);
  while (len + 2 + strlen(end) <= PATH_MAX - 1) len += (size_t)sprintf(at_max + len, "/d");
  while (len + strlen(end) < PATH_MAX - 1) at_max[len++] = 'd';
  strcpy(at_max + len, end);
  printf("pathmax-len: %zu\n", strlen(at_max));
  report("pathmax", mkdir(at_max, 0755));
  memmove(at_max + 5, at_max + 4, strlen(at_max + 4) + 1); /* one byte longer */
  at_max[4] = '/';
  report("pathmax+1", mkdir(at_max, 0755));
  /* A non-UTF-8 name below the blocked folder: blocked like any other. */
  report("non-utf8", mkdir("/tmp/blocked/\xff\xfe\x80", 0755));
  /* Children killed while their mkdir is being decided. */
  int killed = 0;
  for (int i = 0; i < 200; ++i) {
    pid_t p = fork();
    if (p == 0) {
      for (;;) mkdir("/tmp/blocked/loop", 0755);
    }
    if (i % 2) usleep(200);
    kill(p, SIGKILL);
    waitpid(p, NULL, 0);
    ++killed;
  }
  printf("killed: %d\n", killed);
  /* After all that, an ordinary blocked mkdir still gets its answer. */
  report("after", mkdir("/tmp/blocked/final", 0755));
  return 0;
}
