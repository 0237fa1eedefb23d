#include "src/cli/install_command.h"

#include <signal.h>
#include <unistd.h>

#include <iostream>

#include "src/install/install.h"

namespace vigil::cli {
namespace {

constexpr const char* kHelp =
    R"(usage: vigil install [--runtime R]... [--root DIR] [--restart] [--dry-run]
       vigil uninstall [--runtime R]... [--root DIR] [--restart] [--wait] [--dry-run]

install    Puts vigil on this node and registers it with its container runtimes, the way
           each one really reads its configuration:
             the binary    /usr/local/bin/vigil, and vigil-runc (the runtime shim) beside it
             the config    /etc/vigil/vigil.yaml and /etc/vigil/rules.d/vigil_rules.yaml,
                           vigil's defaults (mode: monitor), written only when absent: a
                           changed one is never overwritten
             docker        /etc/docker/daemon.json: runtimes.vigil (every other key kept);
                           then `docker run --runtime vigil`
             containerd    /etc/containerd/config.toml: a CRI runtime handler "vigil" (the
                           table name of the config's version: 2 for containerd 1.x, 3 for
                           2.x); a Kubernetes RuntimeClass names it
             podman        vigil-precreate.json in the hooks directory that Podman's
                           containers.conf resolves (Debian: /usr/share/containers/oci/
                           hooks.d): every plain `podman run` goes through vigil
             crio          /etc/crio/crio.conf.d/99-vigil.conf (a runtime handler "vigil")
                           and createRuntime/poststop hooks in its hooks directory
           Into another root (--root), the binary also brings the libraries it runs with
           (/usr/local/lib/vigil; the node's C library must be glibc 2.36 or later) and
           is run there once to check. Running it again changes nothing. It says what
           to restart.
uninstall  Puts every file back as it was before install (a file changed since then: only
           vigil's part is taken out), and removes the binary.

options:
  --runtime R   docker, containerd, podman or crio (repeatable), or cri: containerd and
                CRI-O, those found (a Kubernetes node); default: every runtime found
  --root DIR    the node's root file system (default /; a DaemonSet mounts the host's)
  --restart     restart each runtime whose config changed (reload for Docker), with the
                node's systemd (`systemctl`, in the mount namespace of the node's PID 1;
                from a pod: hostPID). One not restarted is remembered and restarted by
                the next install --restart. A node without systemd: said, not an error
  --wait        (uninstall) then wait for SIGTERM instead of exiting: the container of
                a DaemonSet that cleans every node (deploy/kubernetes/cleanup) must not exit
  --dry-run     print what would change, change nothing
  -h, --help    this help
)";

}  // namespace

int install_command(const std::string& cmd, const std::vector<std::string>& args) {
  install::Options o;
  bool wait = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--runtime" && i + 1 < args.size()) {
      o.runtimes.push_back(args[++i]);
    } else if (args[i] == "--root" && i + 1 < args.size()) {
      o.root = args[++i];
    } else if (args[i] == "--wait" && cmd == "uninstall") {
      wait = true;
    } else if (args[i] == "--restart") {
      o.restart = true;
    } else if (args[i] == "--dry-run") {
      o.dry_run = true;
    } else if (args[i] == "-h" || args[i] == "--help") {
      std::cout << kHelp;
      return 0;
    } else {
      std::cerr << "vigil " << cmd << ": unexpected argument '" << args[i] << "'\n" << kHelp;
      return 2;
    }
  }
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) {
    std::cerr << "vigil " << cmd << ": cannot find its own binary (/proc/self/exe)\n";
    return 1;
  }
  o.self.assign(self, size_t(n));
  if (cmd == "install") return install::run_install(o, std::cout);
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  if (wait) ::sigprocmask(SIG_BLOCK, &stop, nullptr);  // before the work: none is lost
  const int rc = install::run_uninstall(o, std::cout);
  if (!wait) return rc;
  std::cout << "uninstalled (exit status " << rc << "); waiting for SIGTERM" << std::endl;
  int sig = 0;
  ::sigwait(&stop, &sig);
  return rc;
}

}  // namespace vigil::cli
