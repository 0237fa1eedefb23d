// `vigil install` and `vigil uninstall`: put vigil on a node and register it with every
// container runtime found there, the way each runtime really reads its configuration
// (runtimes.h), idempotently; and take all of it back out (file_edits.h).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "src/install/file_edits.h"

namespace vigil::install {

struct Options {
  std::vector<std::string> runtimes;  // docker, containerd, podman, crio; empty: those found
  bool dry_run = false;
  bool restart = false;    // restart (reload) each runtime whose config changed (systemd)
  std::string root = "/";  // the node's root (a DaemonSet's init container mounts it)
  std::string self;        // the vigil binary to install (/proc/self/exe)
};

// The runtimes vigil install knows, and which of them are installed under `root`.
const std::vector<std::string>& known_runtimes();
std::vector<std::string> installed_runtimes(const std::string& root);

// Exit statuses: 0 done (or nothing to do), 1 an error (each reported), 2 bad arguments.
int run_install(const Options& o, const Report& out);
int run_uninstall(const Options& o, const Report& out);

}  // namespace vigil::install
