/* A real (non-busybox) static program for container tests: prints its arguments. */
#include <stdio.h>

int main(int argc, char** argv) {
  printf("probe:");
  for (int i = 1; i < argc; ++i) printf(" %s", argv[i]);
  printf("\n");
  return 0;
}
