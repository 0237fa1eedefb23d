/* A real (non-busybox) static program for container tests: prints its arguments.
 * `probe traceme` calls ptrace(PTRACE_TRACEME) and says whether it survived. */
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "traceme") == 0) {
    ptrace(PTRACE_TRACEME, 0, 0, 0);
    printf("survived\n");
    return 0;
  }
  printf("probe:");
  for (int i = 1; i < argc; ++i) printf(" %s", argv[i]);
  printf("\n");
  return 0;
}
