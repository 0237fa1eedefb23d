// Fields every event about a process has, whatever reported it: proc.*, thread.*,
// user.*, group.*, container.*, k8s.*, read from /proc and the container's metadata.
#include "src/fields/process_event.h"

#include <unistd.h>

#include <chrono>

#include "src/fields/proc_reader.h"
#include "src/fields/registry.h"

namespace vigil::fields {

ProcessEvent::ProcessEvent(pid_t pid, const ContainerInfo& container, uint64_t number)
    : pid_(pid), container_(container), number_(number) {}

Value ProcessEvent::field(const FieldRef& ref) {
  // Each field is extracted once per event: rules that read it again get the cached value.
  for (size_t i = 0; i < cached_; ++i) {
    const auto& c = cache_[i];
    if (c.id == ref.id && c.index == ref.index && c.key == ref.key) return c.value;
  }
  Value v = extract(ref);
  if (v.kind == ValueKind::kStringList) return v;  // list_ is rebuilt per extraction
  if (cached_ < cache_.size()) cache_[cached_++] = {ref.id, ref.index, ref.key, v};
  return v;
}

Value ProcessEvent::str(std::string s) {
  storage_.push_front(std::move(s));
  return Value::of(storage_.front());
}

const ProcessEvent::Image& ProcessEvent::process_image(ImagePart need) {
  Image& img = image_;
  if (!(img.parts & kName)) {
    img.parts |= kName;
    if (auto comm = read_comm(pid_)) {
      img.name = *comm;
      img.ok = true;
    }
  }
  if ((need & kArgs) && !(img.parts & kArgs)) {
    img.parts |= kArgs;
    auto argv = read_cmdline(pid_);
    if (img.ok) {
      img.exe = argv.empty() ? img.name : argv[0];
      for (size_t i = 1; i < argv.size(); ++i) img.args += (i > 1 ? " " : "") + argv[i];
      img.cmdline = img.args.empty() ? img.name : img.name + " " + img.args;
      img.ok_args = true;
    }
  }
  if ((need & kExePath) && !(img.parts & kExePath)) {
    img.parts |= kExePath;
    if (auto l = read_link("/proc/" + std::to_string(pid_) + "/exe")) {
      img.exepath = *l;
      img.ok_exepath = true;
    }
  }
  return img;
}

Value ProcessEvent::image_field(std::string_view name) {
  if (name == "proc.name") {
    const auto& img = image(kName);
    return img.ok ? Value::of(img.name) : Value::none();
  }
  if (name == "proc.exepath") {
    const auto& img = image(kExePath);
    return img.ok_exepath ? Value::of(img.exepath) : Value::none();
  }
  const auto& img = image(kArgs);
  if (!img.ok_args) return Value::none();
  if (name == "proc.exe") return Value::of(img.exe);
  if (name == "proc.args") return Value::of(img.args);
  return Value::of(img.cmdline);
}

pid_t ProcessEvent::ancestor_pid(int32_t index) {
  if (chain_len_ == 0) chain_[chain_len_++] = pid_;
  while (size_t(index) >= chain_len_ && !chain_complete_) {
    const pid_t last = chain_[chain_len_ - 1];
    auto st = last > 1 && chain_len_ < chain_.size() ? read_status(last) : std::nullopt;
    if (!st || st->ppid <= 0) {
      chain_complete_ = true;
      break;
    }
    chain_[chain_len_++] = st->ppid;
  }
  return index >= 0 && size_t(index) < chain_len_ ? chain_[size_t(index)] : -1;
}

Value ProcessEvent::ancestor(int32_t index, int what) {
  const pid_t p = ancestor_pid(index);
  if (p <= 0) return Value::none();
  if (index == 0 && what != 3) {
    const auto& img = image(what == 0 ? kName : what == 1 ? kArgs : kExePath);
    if (what == 0) return img.ok ? str(img.name) : Value::none();
    if (what == 1) return img.ok_args ? str(img.exe) : Value::none();
    return img.ok_exepath ? str(img.exepath) : Value::none();
  }
  switch (what) {
    case 0:
      if (auto c = read_comm(p)) return str(*c);
      return Value::none();
    case 1: {
      auto argv = read_cmdline(p);
      return argv.empty() ? Value::none() : str(argv[0]);
    }
    case 2:
      if (auto l = read_link("/proc/" + std::to_string(p) + "/exe")) return str(*l);
      return Value::none();
    default:
      return Value::of_int(p);
  }
}

Value ProcessEvent::common_field(const FieldRef& ref, std::string_view name) {
  const std::string proc = "/proc/" + std::to_string(pid_);
  if (name == "evt.num") return Value::of_int(int64_t(number_));
  if (name == "evt.source") return Value::of("syscall");
  if (name == "evt.res") return Value::of("SUCCESS");
  if (name == "evt.rawres") return Value::of_int(0);
  if (name == "evt.rawtime" || name == "evt.time") {
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
    return name == "evt.rawtime" ? Value::of_int(ns) : str(std::to_string(ns));
  }
  if (name == "evt.hostname") {
    char host[256] = {};
    ::gethostname(host, sizeof(host) - 1);
    return str(host);
  }
  if (name == "proc.name" || name == "proc.exe" || name == "proc.exepath" || name == "proc.args" ||
      name == "proc.cmdline") {
    return image_field(name);
  }
  if (name == "fd.num") return Value::of_int(0);
  if (name == "container.privileged") {
    return container_.privileged ? Value::of_bool(*container_.privileged) : Value::none();
  }
  // proc.* and thread.*
  // Events name the thread (seccomp notifications, fanotify with FAN_REPORT_TID).
  if (name == "thread.tid") return Value::of_int(pid_);
  if (name == "proc.pid") {
    auto st = read_status(pid_);
    return Value::of_int(st && st->tgid > 0 ? st->tgid : pid_);
  }
  if (name == "proc.vpid" || name == "thread.vtid") {
    if (auto st = read_status(pid_)) return Value::of_int(st->vpid);
    return Value::none();
  }
  if (name == "proc.ppid") return ancestor(1, 3);
  if (name == "proc.pname") return ancestor(1, 0);
  if (name == "proc.pexe") return ancestor(1, 1);
  if (name == "proc.pexepath") return ancestor(1, 2);
  if (name == "proc.pcmdline") {
    const pid_t parent = ancestor_pid(1);
    if (parent <= 0) return Value::none();
    auto comm = read_comm(parent);
    if (!comm) return Value::none();
    auto argv = read_cmdline(parent);
    std::string out = *comm;
    for (size_t i = 1; i < argv.size(); ++i) out += " " + argv[i];
    return str(std::move(out));
  }
  if (name == "proc.aname" || name == "proc.aexe" || name == "proc.aexepath" ||
      name == "proc.apid") {
    const int what = name == "proc.aname"      ? 0
                     : name == "proc.aexe"     ? 1
                     : name == "proc.aexepath" ? 2
                                               : 3;
    if (ref.index >= 0) return ancestor(ref.index, what);
    list_.clear();
    for (int32_t i = 1; i < 32; ++i) {
      Value v = ancestor(i, what);
      if (v.kind != ValueKind::kString) break;
      list_.push_back(v.str);
    }
    return Value::list(list_.data(), list_.size());
  }
  if (name == "proc.cwd") {
    if (auto l = read_link(proc + "/cwd")) return str(*l == "/" ? *l : *l + "/");
    return Value::none();
  }
  if (name == "proc.tty" || name == "proc.sid" || name == "proc.vpgid" ||
      name == "proc.is_vpgid_leader") {
    auto st = read_stat(pid_);
    if (!st) return Value::none();
    if (name == "proc.tty") return Value::of_int(st->tty_nr);
    if (name == "proc.sid") return Value::of_int(st->session);
    if (name == "proc.vpgid") return Value::of_int(st->pgrp);
    return Value::of_bool(st->pgrp == pid_);
  }
  if (name == "proc.duration") {
    auto st = read_stat(pid_);
    auto up = read_small_file("/proc/uptime", 128);
    if (!st || !up) return Value::none();
    const double uptime = std::strtod(up->c_str(), nullptr);
    const double started = double(st->start_ticks) / double(::sysconf(_SC_CLK_TCK));
    return Value::of_int(int64_t((uptime - started) * 1e9));
  }
  if (name == "thread.cap_effective" || name == "thread.cap_permitted" ||
      name == "thread.cap_inheritable") {
    auto st = read_status(pid_);
    if (!st) return Value::none();
    return str(capability_names(name == "thread.cap_effective"   ? st->cap_effective
                                : name == "thread.cap_permitted" ? st->cap_permitted
                                                                 : st->cap_inheritable));
  }
  // user.* and group.*, resolved through the container's own files
  if (name == "user.uid" || name == "user.name" || name == "group.gid" || name == "group.name") {
    auto st = read_status(pid_);
    if (!st) return Value::none();
    if (name == "user.uid") return Value::of_int(st->euid);
    if (name == "group.gid") return Value::of_int(st->egid);
    const bool user = name == "user.name";
    // Read at registration when the container's files are watched: opening them from this
    // thread would wait on vigil's own fanotify group.
    const std::string& cached = user ? container_.passwd : container_.group;
    std::optional<std::string> text;
    if (!cached.empty()) {
      text = cached;
    } else if (!container_.files_watched) {
      text = read_small_file(proc + (user ? "/root/etc/passwd" : "/root/etc/group"));
    }
    if (!text) return Value::none();
    if (auto n = lookup_id_name(*text, user ? st->euid : st->egid)) return str(*n);
    return Value::none();
  }
  if (name == "user.loginuid") {
    auto t = read_small_file(proc + "/loginuid", 32);
    if (!t) return Value::none();
    return Value::of_int(int64_t(int32_t(std::strtoul(t->c_str(), nullptr, 10))));
  }
  // container.* and k8s.*
  if (name == "container.id") return Value::of(container_.id);
  if (name == "container.full_id") return Value::of(container_.full_id);
  if (name == "container.name") return Value::of(container_.name);
  if (name == "container.image") return Value::of(container_.image);
  if (name == "container.image.repository") return Value::of(container_.image_repository);
  if (name == "container.image.tag") return Value::of(container_.image_tag);
  if (name == "container.type") {
    return container_.runtime.empty() ? Value::none() : Value::of(container_.runtime);
  }
  if (name == "container.start_ts") return Value::of_int(container_.start_ns);
  if (name == "k8s.pod.name")
    return container_.pod_name.empty() ? Value::none() : Value::of(container_.pod_name);
  if (name == "k8s.ns.name") {
    return container_.pod_namespace.empty() ? Value::none() : Value::of(container_.pod_namespace);
  }
  if (name == "k8s.pod.uid")
    return container_.pod_uid.empty() ? Value::none() : Value::of(container_.pod_uid);
  return Value::none();
}

}  // namespace vigil::fields
