// What installing into another root file system (a DaemonSet's init container writing the
// host's `/`) needs beyond files: the shared libraries the binary runs with, a check that
// the installed binary really runs on that node, and a restart of a runtime whose config
// changed, through the node's own systemd.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace vigil::install {

// Runs argv (found on PATH) with its stdout and stderr captured into `output` (at most
// 64 KiB), `in_child` first run in the child (a chroot, a setns); its exit status, 128+N
// for signal N, -1 if it could not be started.
int run_captured(const std::vector<std::string>& argv, std::string& output,
                 const std::function<void()>& in_child = {});

// The shared libraries this process runs with (as the loader found them), except the C
// library's own (libc, libm, the loader, ...), which must come from the node: those are
// the ones the binary's RUNPATH ($ORIGIN/../lib/vigil) finds beside it.
std::vector<std::string> bundled_libraries();

// Runs `bin hook --help` (both vigil and vigil-runc have it) with `root` as its root
// directory. "" if it ran and said so; else what went wrong (the loader's message, say
// "GLIBC_2.34 not found").
std::string check_runs_in(const std::string& root, const std::string& bin);

// Runs `systemctl VERB UNIT` (restart, or reload for dockerd) on the node whose root is
// `root`, as the node's own systemctl (in the mount namespace of the node's PID 1, which
// must be that node's init: a pod needs hostPID). False with `why` when the node has no
// systemd or systemctl failed.
bool restart_unit(const std::string& root, const std::string& verb, const std::string& unit,
                  std::string& why);

}  // namespace vigil::install
