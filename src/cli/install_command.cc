#include "src/cli/install_command.h"

#include <signal.h>
#include <unistd.h>

#include <iostream>
#include <memory>

#include "src/cli/cli_app.h"
#include "src/install/install.h"

namespace vigil::cli {
namespace {

constexpr const char* kInstallHelp =
    R"(Puts vigil on this node and registers it with its container runtimes, the way each one
really reads its configuration:
  the binary    /usr/local/bin/vigil, and vigil-runc (the runtime shim) beside it
  the config    /etc/vigil/vigil.yaml and /etc/vigil/rules.d/vigil_rules.yaml, vigil's
                defaults (mode: monitor), written only when absent: a changed one is never
                overwritten
  docker        /etc/docker/daemon.json: runtimes.vigil (every other key kept); then
                `docker run --runtime vigil`
  containerd    /etc/containerd/config.toml: a CRI runtime handler "vigil" (the table name
                of the config's version: 2 for containerd 1.x, 3 for 2.x); a Kubernetes
                RuntimeClass names it
  podman        vigil-precreate.json in the hooks directory that Podman's containers.conf
                resolves (Debian: /usr/share/containers/oci/hooks.d): every plain
                `podman run` goes through vigil
  crio          /etc/crio/crio.conf.d/99-vigil.conf (a runtime handler "vigil") and
                createRuntime/poststop hooks in its hooks directory
Into another root (--root), the binary also brings the libraries it runs with
(/usr/local/lib/vigil; the node's C library must be glibc 2.36 or later) and is run there
once to check. Running it again changes nothing. It says what to restart. Exit 1 if a
runtime's config could not be changed.)";

constexpr const char* kUninstallHelp =
    R"(Puts every file back as it was before install (a file changed since then: only vigil's
part is taken out), and removes the binary. Exit 1 if a file could not be put back.)";

struct InstallOptions {
  install::Options o;
  bool wait = false;
};

int install_command(const std::string& cmd, InstallOptions& opts) {
  install::Options& o = opts.o;
  const bool wait = opts.wait;
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) {
    std::cerr << "vigil " << cmd << ": cannot find its own binary (/proc/self/exe)\n";
    return kExitFailed;
  }
  o.self.assign(self, size_t(n));
  if (cmd == "install") return install::run_install(o, {std::cout, std::cerr});
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  if (wait) ::sigprocmask(SIG_BLOCK, &stop, nullptr);  // before the work: none is lost
  const int rc = install::run_uninstall(o, {std::cout, std::cerr});
  if (!wait) return rc;
  std::cout << "uninstalled (exit status " << rc << "); waiting for SIGTERM" << std::endl;
  int sig = 0;
  ::sigwait(&stop, &sig);
  return rc;
}

}  // namespace

void add_install_commands(CLI::App& app, int& status) {
  for (const std::string name : {"install", "uninstall"}) {
    auto opts = std::make_shared<InstallOptions>();
    auto* cmd = app.add_subcommand(
        name, name == "install"
                  ? "put vigil on this node and register it with Docker, containerd, Podman "
                    "and CRI-O (those found, or --runtime)"
                  : "take all of it back out");
    cmd->footer(name == "install" ? kInstallHelp : kUninstallHelp);
    cmd->add_option("--runtime", opts->o.runtimes,
                    "docker, containerd, podman or crio (repeatable), or cri: containerd and "
                    "CRI-O, those found (a Kubernetes node); default: every runtime found")
        ->type_name("")
        ->check(CLI::IsMember({"docker", "containerd", "podman", "crio", "cri"}));
    cmd->add_option("--root", opts->o.root,
                    "the node's root file system (a DaemonSet mounts the host's)")
        ->type_name("DIR")
        ->capture_default_str();
    cmd->add_flag("--restart", opts->o.restart,
                  "restart each runtime whose config changed (reload for Docker), with the "
                  "node's systemd (in the mount namespace of the node's PID 1; from a pod: "
                  "hostPID). One not restarted is remembered and restarted by the next "
                  "install --restart. A node without systemd: said, not an error");
    if (name == "uninstall") {
      cmd->add_flag("--wait", opts->wait,
                    "then wait for SIGTERM instead of exiting: the container of a DaemonSet "
                    "that cleans every node (deploy/kubernetes/cleanup) must not exit");
    }
    cmd->add_flag("--dry-run", opts->o.dry_run, "print what would change, change nothing");
    cmd->callback([name, opts, &status] { status = install_command(name, *opts); });
  }
}

}  // namespace vigil::cli
