// How each container runtime really reads its configuration, and vigil's part in it: the
// text `vigil install` adds and `vigil uninstall` takes out. Pure functions of file text,
// so each is unit-tested on real files of each runtime's format.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace vigil::install {

struct Paths {
  std::string bin = "/usr/local/bin/vigil";
  std::string runc = "/usr/local/bin/vigil-runc";
  std::string config = "/etc/vigil/vigil.yaml";
  std::string rules_dir = "/etc/vigil/rules.d";
};

// Docker's /etc/docker/daemon.json with runtimes.vigil (every other key kept). nullopt with
// `error` if the file is not a JSON object (it is left alone).
std::optional<std::string> docker_with(const std::optional<std::string>& current, const Paths& p,
                                       std::string& error);
// Without runtimes.vigil (and without "runtimes" if that leaves it empty); nullopt: delete.
std::optional<std::string> docker_without(const std::string& current);

// containerd's config.toml with a CRI runtime "vigil" whose runc binary is vigil-runc.
// The table's name depends on the config's version (2: containerd 1.x, 3: 2.x); a file
// with no version line is read as `default_version`. nullopt with `error` if the file
// already defines a "vigil" runtime of its own.
std::optional<std::string> containerd_with(const std::optional<std::string>& current,
                                           int default_version, const Paths& p, std::string& error);
std::optional<std::string> containerd_without(const std::string& current);
// The folder of the first `imports = ["<dir>/*.toml", ...]` glob of a containerd config,
// where a drop-in goes instead of an edit of the config itself; "" if none.
std::string containerd_dropin_dir(const std::string& text);
// The config version a file declares (`version = N`), or 0.
int containerd_config_version(const std::string& text);

// Where Podman (and CRI-O) read OCI hooks: the last `hooks_dir` of the [engine] table in
// the containers.conf files given in the order they are read, else Podman's default.
std::vector<std::string> hooks_dirs(const std::vector<std::string>& containers_conf_texts);

// An OCI hook file (hooks.d) running `vigil-runc hook STAGE -c CONFIG` (the lean binary
// of container starts).
std::string hook_json(const std::string& stage, const Paths& p);

// CRI-O's crio.conf.d drop-in: a runtime handler "vigil" running vigil-runc.
std::string crio_dropin(const Paths& p);

// The default config, with absolute paths for an installed system.
std::string installed_config(const Paths& p);
// The default rules file (rules/vigil_rules.yaml, built in).
const std::string& default_rules();
// deploy/systemd/vigil.service, running the binary at `p.bin`.
std::string systemd_unit(const Paths& p);

}  // namespace vigil::install
