#include "src/install/install.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "src/install/file_edits.h"
#include "src/install/node.h"
#include "src/install/runtimes.h"

namespace vigil::install {
namespace fs = std::filesystem;

namespace {

bool any_exists(const std::string& root, std::initializer_list<const char*> paths) {
  std::error_code ec;
  for (const char* p : paths) {
    if (fs::exists(fs::path(root) / fs::path(p).relative_path(), ec)) return true;
  }
  return false;
}

// The containers.conf files Podman reads, in its order (later ones override).
std::vector<std::string> containers_conf_texts(const FileEdits& files) {
  std::vector<std::string> out;
  for (const char* p :
       {"/usr/share/containers/containers.conf", "/etc/containers/containers.conf"}) {
    if (auto t = files.read(p)) out.push_back(*t);
  }
  std::error_code ec;
  const std::string dir = "/etc/containers/containers.conf.d";
  std::vector<std::string> dropins;
  for (const auto& e : fs::directory_iterator(files.host(dir), ec)) {
    if (e.path().extension() == ".conf") dropins.push_back(e.path().filename().string());
  }
  std::sort(dropins.begin(), dropins.end());
  for (const auto& d : dropins) {
    if (auto t = files.read(dir + "/" + d)) out.push_back(*t);
  }
  return out;
}

// A file of this process's own (the binary, its libraries), not of the node's root; said
// when it cannot be read.
std::optional<std::string> read_own(const std::string& path, const Report& out) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  if (!in) {
    out.err << "vigil install: cannot read " << path << "\n";
    return std::nullopt;
  }
  return s.str();
}

// containerd 2.x reads config version 3; 1.x version 2. Asked of the binary when there.
int containerd_default_version(const std::string& root) {
  if (root != "/") return 2;
  std::string v;  // "containerd github.com/containerd/containerd 1.6.20~ds1 "
  if (run_captured({"containerd", "--version"}, v) != 0) return 2;
  return v.find(" 2.") != std::string::npos || v.find(" v2.") != std::string::npos ? 3 : 2;
}

// Run as the Debian package's /usr/bin/vigil: the package owns the binary, config and
// unit; install registers the runtimes with that path and copies nothing.
bool packaged(const Options& o, const FileEdits& files) {
  std::error_code ec;
  return fs::exists(files.host("/usr/bin/vigil"), ec) &&
         fs::equivalent(o.self, files.host("/usr/bin/vigil"), ec);
}

Paths paths_for(const Options& o, const FileEdits& files) {
  Paths p;
  if (packaged(o, files)) {
    p.bin = "/usr/bin/vigil";
    p.runc = "/usr/bin/vigil-runc";
  }
  return p;
}

// A runtime that reads its config only when (re)started: its systemd unit and how.
struct Restart {
  std::string runtime, verb, unit;
  std::string command() const { return "systemctl " + verb + " " + unit; }
};

const std::vector<Restart>& restarts() {
  static const std::vector<Restart> k = {{"docker", "reload", "docker"},  // rereads on SIGHUP
                                         {"containerd", "restart", "containerd"},
                                         {"crio", "restart", "crio"}};
  return k;
}

const Restart* known_restart(const std::string& runtime) {
  for (const auto& r : restarts()) {
    if (r.runtime == runtime) return &r;
  }
  return nullptr;
}

struct Plan {
  Paths paths;
  std::vector<Restart> restart;  // runtimes whose config this run changed
};

// True when `root` is another root file system than this process's own (a host's `/`
// mounted into a pod): the binary then brings its libraries and is checked to run there.
bool other_root(const Options& o) {
  std::error_code ec;
  return !fs::equivalent(o.root, "/", ec);
}

// Where the binary's RUNPATH ($ORIGIN/../lib/vigil) finds the libraries it brings.
std::string library_dir(const Paths& p) {
  return (fs::path(p.bin).parent_path().parent_path() / "lib/vigil").string();
}

bool install_libraries(FileEdits& files, const Paths& p, const Report& out) {
  bool ok = true;
  for (const auto& lib : bundled_libraries()) {
    const auto text = read_own(lib, out);
    const std::string name = fs::path(lib).filename().string();
    ok = text &&
         files.write(library_dir(p) + "/" + name, *text, "a library the binary runs with") && ok;
  }
  return ok;
}

bool install_binary(const Options& o, FileEdits& files, const Paths& p, const Report& out) {
  std::error_code ec;
  const auto target = files.host(p.bin);
  if (fs::exists(target, ec) && fs::equivalent(o.self, target, ec)) {
    out.out << "  unchanged  " << p.bin << "  (this binary)\n";
  } else {
    const auto text = read_own(o.self, out);
    if (!text || !files.write(p.bin, *text, "the vigil binary", 0755)) return false;
  }
  // The lean binary of container starts (the shim and the hooks), from beside this one;
  // where there is none (an older build), a link to vigil does the same, more slowly.
  const std::string lean = (fs::path(o.self).parent_path() / "vigil-runc").string();
  std::error_code lean_ec;
  if (fs::is_regular_file(fs::symlink_status(lean, lean_ec)) &&
      !fs::equivalent(lean, files.host(p.runc), lean_ec)) {
    const auto text = read_own(lean, out);
    if (!text) return false;
    if (fs::is_symlink(files.host(p.runc), lean_ec)) fs::remove(files.host(p.runc), lean_ec);
    return files.write(p.runc, *text,
                       "the runtime shim and hooks for containerd, CRI-O, Docker and Podman", 0755);
  }
  if (fs::is_regular_file(fs::symlink_status(files.host(p.runc), lean_ec))) {
    out.out << "  unchanged  " << p.runc << "\n";
    return true;
  }
  return files.symlink(p.runc, "vigil", "the runtime shim for containerd, CRI-O and Docker");
}

void install_config(FileEdits& files, const Paths& p, const Report& out) {
  const std::pair<std::string, std::string> defaults[] = {
      {p.config, installed_config(p)},
      {p.rules_dir + "/vigil_rules.yaml", default_rules()},
  };
  for (const auto& [path, text] : defaults) {
    auto now = files.read(path);
    if (now && *now != text) {
      out.out << "  kept       " << path << "  (changed locally: never overwritten)\n";
      continue;
    }
    files.write(path, text, "vigil's defaults");
  }
}

bool install_runtime(const std::string& rt, const Options& o, FileEdits& files, Plan& plan,
                     const Report& out) {
  const Paths& p = plan.paths;
  std::string error;
  const size_t before = files.changed();
  if (rt == "docker") {
    const std::string path = "/etc/docker/daemon.json";
    auto text = docker_with(files.read(path), p, error);
    if (!text) {
      out.err << "vigil install: docker: " << path << ": " << error << "\n";
      return false;
    }
    if (files.write(path, *text, "Docker's runtimes: docker run --runtime vigil") &&
        files.changed() > before) {
      plan.restart.push_back(*known_restart("docker"));
    }
  } else if (rt == "containerd") {
    std::string path = "/etc/containerd/config.toml";
    const auto config = files.read(path);
    int version = containerd_default_version(o.root);
    std::optional<std::string> current = config;
    // A config that imports a folder of drop-ins gets one there; it stays untouched.
    if (const std::string dir = config ? containerd_dropin_dir(*config) : ""; !dir.empty()) {
      if (int v = containerd_config_version(*config)) version = v;
      path = dir + "/99-vigil.toml";
      current = files.read(path);
    }
    auto text = containerd_with(current, version, p, error);
    if (!text) {
      out.err << "vigil install: containerd: " << path << ": " << error << "\n";
      return false;
    }
    if (files.write(path, *text, "a CRI runtime handler \"vigil\" (RuntimeClass handler)") &&
        files.changed() > before) {
      plan.restart.push_back(*known_restart("containerd"));
    }
  } else if (rt == "podman") {
    const auto dirs = hooks_dirs(containers_conf_texts(files));
    files.write(dirs.front() + "/vigil-precreate.json", hook_json("precreate", p),
                "Podman's hooks directory, as its containers.conf resolves it");
  } else if (rt == "crio") {
    if (files.write("/etc/crio/crio.conf.d/99-vigil.conf", crio_dropin(p),
                    "a CRI-O runtime handler \"vigil\"") &&
        files.changed() > before) {
      plan.restart.push_back(*known_restart("crio"));
    }
    const auto dirs = hooks_dirs(containers_conf_texts(files));
    for (const char* stage : {"createRuntime", "poststop"}) {
      std::string name = stage;
      std::transform(name.begin(), name.end(), name.begin(), ::tolower);
      files.write(dirs.front() + "/vigil-" + name + ".json", hook_json(stage, p),
                  "registers every CRI-O container with the daemon");
    }
  }
  return true;
}

// Which runtimes to act on: the ones asked for (each must be known; "cri": containerd and
// CRI-O, those of them found, as a Kubernetes node runs them), else those found.
bool pick(const Options& o, std::vector<std::string>& out_rts, const Report& out) {
  if (o.runtimes.empty()) {
    out_rts = installed_runtimes(o.root);
    return true;
  }
  out_rts.clear();
  auto add = [&](const std::string& r) {
    if (std::find(out_rts.begin(), out_rts.end(), r) == out_rts.end()) out_rts.push_back(r);
  };
  for (const auto& r : o.runtimes) {
    const auto& k = known_runtimes();
    if (r == "cri") {
      for (const auto& found : installed_runtimes(o.root)) {
        if (found == "containerd" || found == "crio") add(found);
      }
    } else if (std::find(k.begin(), k.end(), r) != k.end()) {
      add(r);
    } else {
      out.err << "vigil install: unknown runtime '" << r
              << "' (docker, containerd, podman, crio, or cri for the last two)\n";
      return false;
    }
  }
  return true;
}

// A restart this install owes a runtime, kept until it is done: an `install --restart`
// that could not restart one leaves the marker, and the next `install --restart` restarts
// it even though its config is unchanged by then (a DaemonSet's init container, retried).
// Without --restart the operator was told, and nothing is remembered.
std::string pending_marker(const FileEdits& files, const std::string& runtime) {
  return files.host("/var/lib/vigil/install/restart-" + runtime);
}

// Restarts (with --restart) what changed now or earlier; returns what is still owed.
// A restart that systemd refused fails the run; a node without systemd is only said.
// Uninstall (`keep_owed` false) owes nothing afterwards: it leaves no marker behind.
std::vector<Restart> restart_runtimes(const Options& o, const FileEdits& files,
                                      std::vector<Restart> owed, bool keep_owed, bool& ok,
                                      const Report& out) {
  if (o.dry_run) return owed;
  std::error_code ec;
  for (const auto& r : restarts()) {
    const bool listed = std::any_of(owed.begin(), owed.end(),
                                    [&](const Restart& x) { return x.runtime == r.runtime; });
    if (keep_owed && o.restart && !listed && fs::exists(pending_marker(files, r.runtime), ec)) {
      owed.push_back(r);
    }
  }
  std::vector<Restart> still;
  for (const auto& r : owed) {
    std::string why;
    if (o.restart && restart_unit(o.root, r.verb, r.unit, why)) {
      out.out << "  restarted  " << r.runtime << " (" << r.command() << ")\n";
      fs::remove(pending_marker(files, r.runtime), ec);
      continue;
    }
    if (o.restart) {
      out.err << "vigil install: " << r.runtime << " not restarted: " << why << "\n";
      // No systemd: the operator restarts it (said under next:). systemd failed: an error.
      if (why.find("no systemd") == std::string::npos) ok = false;
    }
    if (keep_owed && o.restart) {
      std::ofstream(pending_marker(files, r.runtime)).flush();
    } else {
      fs::remove(pending_marker(files, r.runtime), ec);
    }
    still.push_back(r);
  }
  return still;
}

}  // namespace

const std::vector<std::string>& known_runtimes() {
  static const std::vector<std::string> k = {"docker", "containerd", "podman", "crio"};
  return k;
}

std::vector<std::string> installed_runtimes(const std::string& root) {
  std::vector<std::string> out;
  if (any_exists(root, {"/usr/bin/dockerd", "/usr/local/bin/dockerd", "/etc/docker"})) {
    out.push_back("docker");
  }
  if (any_exists(root, {"/usr/bin/containerd", "/usr/local/bin/containerd"})) {
    out.push_back("containerd");
  }
  if (any_exists(root, {"/usr/bin/podman", "/usr/local/bin/podman"})) out.push_back("podman");
  if (any_exists(root, {"/usr/bin/crio", "/usr/local/bin/crio"})) out.push_back("crio");
  return out;
}

int run_install(const Options& o, const Report& out) {
  std::vector<std::string> rts;
  if (!pick(o, rts, out)) return 2;
  FileEdits files(o.root, o.dry_run, out);
  Plan plan;
  plan.paths = paths_for(o, files);
  out.out << (o.dry_run ? "vigil install (dry run: nothing is changed)\n" : "vigil install\n");
  bool ok = true;
  if (packaged(o, files)) {
    out.out << "  packaged   " << plan.paths.bin
            << "  (the Debian package owns it, its config and unit)\n";
  } else {
    ok = install_binary(o, files, plan.paths, out);
    install_config(files, plan.paths, out);
    // Into another root (a DaemonSet's host mount) the daemon runs in the pod: no unit.
    if (!other_root(o) && any_exists(o.root, {"/etc/systemd/system"})) {
      files.write("/etc/systemd/system/vigil.service", systemd_unit(plan.paths),
                  "systemctl enable --now vigil");
    }
  }
  for (const auto& rt : rts) {
    out.out << rt << ":\n";
    ok = install_runtime(rt, o, files, plan, out) && ok;
  }
  if (rts.empty()) out.out << "no container runtime found (docker, containerd, podman, crio)\n";
  if (!packaged(o, files) && other_root(o) && !o.dry_run && ok) {
    // The binary brings its libraries (the node may be another distribution) and must
    // run there: the runtimes exec it as their shim and hooks.
    ok = install_libraries(files, plan.paths, out);
    for (const std::string& bin : {plan.paths.bin, plan.paths.runc}) {
      if (const std::string e = check_runs_in(o.root, bin); !e.empty()) {
        out.err << "vigil install: " << bin << " does not run on this node (" << e
                << "); it needs glibc 2.36 or later\n";
        ok = false;
      } else {
        out.out << "  checked    " << bin << " runs on this node\n";
      }
    }
  }
  ok = ok && !files.failed();
  const auto pending = restart_runtimes(o, files, plan.restart, true, ok, out);
  if (files.changed() == 0 && pending.empty()) {
    out.out << (o.dry_run ? "nothing would change: vigil is installed already\n"
                          : "nothing changed: vigil was installed already\n");
  } else if (!o.dry_run) {
    out.out
        << "\nnext:\n  start the daemon: vigil daemon (systemd: systemctl enable --now vigil)\n";
    for (const auto& r : pending) out.out << "  " << r.runtime << ": `" << r.command() << "`\n";
    out.out << "  (mode: monitor until you set mode: enforce in " << plan.paths.config << ")\n";
  }
  return ok ? 0 : 1;
}

int run_uninstall(const Options& o, const Report& out) {
  std::vector<std::string> rts;
  if (!pick(o, rts, out)) return 2;
  FileEdits files(o.root, o.dry_run, out);
  const Paths p = paths_for(o, files);
  out.out << (o.dry_run ? "vigil uninstall (dry run: nothing is changed)\n" : "vigil uninstall\n");
  auto keep_nothing = [](const std::string&) { return std::optional<std::string>(); };
  std::vector<Restart> owed;
  for (const auto& rt : rts) {
    const size_t before = files.changed();
    if (rt == "docker") {
      files.revert("/etc/docker/daemon.json", docker_without);
    } else if (rt == "containerd") {
      const auto config = files.read("/etc/containerd/config.toml");
      const std::string dir = config ? containerd_dropin_dir(*config) : "";
      if (!dir.empty()) files.revert(dir + "/99-vigil.toml", keep_nothing);
      files.revert("/etc/containerd/config.toml", containerd_without);
    } else if (rt == "podman" || rt == "crio") {
      for (const auto& dir : hooks_dirs(containers_conf_texts(files))) {
        for (const char* f :
             {"vigil-precreate.json", "vigil-createruntime.json", "vigil-poststop.json"}) {
          if (rt == "podman" && std::string(f) != "vigil-precreate.json") continue;
          if (rt == "crio" && std::string(f) == "vigil-precreate.json") continue;
          files.revert(dir + "/" + f, keep_nothing);
        }
      }
      if (rt == "crio") files.revert("/etc/crio/crio.conf.d/99-vigil.conf", keep_nothing);
    }
    std::error_code ec;
    const bool owed_before = fs::exists(pending_marker(files, rt), ec);
    if (const Restart* r = known_restart(rt); r && (files.changed() > before || owed_before)) {
      owed.push_back(*r);
    }
  }
  std::error_code ec;
  if (!packaged(o, files)) {
    // The config and rules go only if they are still vigil's defaults (revert checks).
    auto keep_changed = [](const std::string& now) { return std::optional<std::string>(now); };
    files.revert(p.config, keep_changed);
    files.revert(p.rules_dir + "/vigil_rules.yaml", keep_changed);
    files.revert("/etc/systemd/system/vigil.service", keep_nothing);
    if (fs::is_symlink(files.host(p.runc), ec)) {
      out.out << (o.dry_run ? "  would remove " : "  remove ") << p.runc << "\n";
      if (!o.dry_run) fs::remove(files.host(p.runc), ec);
    } else {
      files.revert(p.runc, keep_nothing);  // the lean binary
    }
    files.revert(p.bin, keep_nothing);
    for (const auto& e : fs::directory_iterator(files.host(library_dir(p)), ec)) {
      files.revert(library_dir(p) + "/" + e.path().filename().string(), keep_nothing);
    }
  }
  bool ok = true;
  const auto pending = restart_runtimes(o, files, owed, false, ok, out);
  if (!o.restart) {
    for (const auto& r : pending)
      out.out << "  then: " << r.runtime << ": `" << r.command() << "`\n";
  }
  files.remove_made_folders();
  for (const auto& path : {files.host("/var/lib/vigil/install"), files.host("/var/lib/vigil"),
                           files.host(p.rules_dir), files.host("/etc/vigil")}) {
    if (!o.dry_run) fs::remove(path, ec);  // only if empty
  }
  return files.failed() || !ok ? 1 : 0;
}

}  // namespace vigil::install
