// Fields every event about a process has, whatever reported it: proc.*, thread.*,
// user.*, group.*, container.*, k8s.*, read from /proc and the container's metadata.
#include "src/fields/process_event.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "src/common/glob.h"
#include "src/fields/registry.h"
#include "src/proc/proc_reader.h"

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
    if (auto comm = proc::read_comm(pid_)) {
      img.name = *comm;
      img.ok = true;
    }
  }
  if ((need & kArgs) && !(img.parts & kArgs)) {
    img.parts |= kArgs;
    auto argv = proc::read_cmdline(pid_);
    if (img.ok) {
      img.exe = argv.empty() ? img.name : argv[0];
      for (size_t i = 1; i < argv.size(); ++i) img.args += (i > 1 ? " " : "") + argv[i];
      img.cmdline = img.args.empty() ? img.name : img.name + " " + img.args;
      img.ok_args = true;
    }
  }
  if ((need & kExePath) && !(img.parts & kExePath)) {
    img.parts |= kExePath;
    if (auto l = proc::read_link("/proc/" + std::to_string(pid_) + "/exe")) {
      img.exepath = *l;
      img.ok_exepath = true;
    }
  }
  return img;
}

Value ProcessEvent::image_field(F field) {
  if (field == F::kProcName) {
    const auto& img = image(kName);
    return img.ok ? Value::of(img.name) : Value::none();
  }
  if (field == F::kProcExepath) {
    const auto& img = image(kExePath);
    return img.ok_exepath ? Value::of(img.exepath) : Value::none();
  }
  const auto& img = image(kArgs);
  if (!img.ok_args) return Value::none();
  if (field == F::kProcExe) return Value::of(img.exe);
  if (field == F::kProcArgs) return Value::of(img.args);
  return Value::of(img.cmdline);
}

pid_t ProcessEvent::ancestor_pid(int32_t index) {
  if (chain_len_ == 0) chain_[chain_len_++] = pid_;
  while (size_t(index) >= chain_len_ && !chain_complete_) {
    const pid_t last = chain_[chain_len_ - 1];
    auto st = last > 1 && chain_len_ < chain_.size() ? proc::read_status(last) : std::nullopt;
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
      if (auto c = proc::read_comm(p)) return str(*c);
      return Value::none();
    case 1: {
      auto argv = proc::read_cmdline(p);
      return argv.empty() ? Value::none() : str(argv[0]);
    }
    case 2:
      if (auto l = proc::read_link("/proc/" + std::to_string(p) + "/exe")) return str(*l);
      return Value::none();
    default:
      return Value::of_int(p);
  }
}

namespace {

Value if_set(const std::string& s) { return s.empty() ? Value::none() : Value::of(s); }

}  // namespace

Value ProcessEvent::common_field(const FieldRef& ref) {
  switch (field_of(ref.id)) {
    // evt.*
    case F::kEvtNum:
      return Value::of_int(int64_t(number_));
    case F::kEvtSource:
      return Value::of("syscall");
    case F::kEvtRes:
      return Value::of("SUCCESS");
    case F::kEvtRawres:
      return Value::of_int(0);
    case F::kEvtRawtime:
    case F::kEvtTime: {
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
      return field_of(ref.id) == F::kEvtRawtime ? Value::of_int(ns) : str(std::to_string(ns));
    }
    case F::kEvtHostname: {
      char host[256] = {};
      ::gethostname(host, sizeof(host) - 1);
      return str(host);
    }
    case F::kFdNum:
      return Value::of_int(0);
    // proc.* and thread.*. Events name the thread (seccomp notifications, fanotify with
    // FAN_REPORT_TID).
    case F::kProcName:
    case F::kProcExe:
    case F::kProcExepath:
    case F::kProcArgs:
    case F::kProcCmdline:
      return image_field(field_of(ref.id));
    case F::kThreadTid:
      return Value::of_int(pid_);
    case F::kProcPid: {
      auto st = proc::read_status(pid_);
      return Value::of_int(st && st->tgid > 0 ? st->tgid : pid_);
    }
    case F::kProcVpid:
    case F::kThreadVtid:
      if (auto st = proc::read_status(pid_)) return Value::of_int(st->vpid);
      return Value::none();
    case F::kProcPpid:
      return ancestor(1, 3);
    case F::kProcPname:
      return ancestor(1, 0);
    case F::kProcPexe:
      return ancestor(1, 1);
    case F::kProcPexepath:
      return ancestor(1, 2);
    case F::kProcPcmdline: {
      const pid_t parent = ancestor_pid(1);
      if (parent <= 0) return Value::none();
      auto comm = proc::read_comm(parent);
      if (!comm) return Value::none();
      auto argv = proc::read_cmdline(parent);
      std::string out = *comm;
      for (size_t i = 1; i < argv.size(); ++i) out += " " + argv[i];
      return str(std::move(out));
    }
    case F::kProcAname:
    case F::kProcAexe:
    case F::kProcAexepath:
    case F::kProcApid: {
      const F f = field_of(ref.id);
      const int what = f == F::kProcAname      ? 0
                       : f == F::kProcAexe     ? 1
                       : f == F::kProcAexepath ? 2
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
    case F::kProcCwd:
      if (auto l = proc::read_link("/proc/" + std::to_string(pid_) + "/cwd")) {
        return str(*l == "/" ? *l : *l + "/");
      }
      return Value::none();
    case F::kProcTty:
    case F::kProcSid:
    case F::kProcVpgid:
    case F::kProcIsVpgidLeader: {
      auto st = proc::read_stat(pid_);
      if (!st) return Value::none();
      switch (field_of(ref.id)) {
        case F::kProcTty:
          return Value::of_int(st->tty_nr);
        case F::kProcSid:
          return Value::of_int(st->session);
        case F::kProcVpgid:
          return Value::of_int(st->pgrp);
        default:
          return Value::of_bool(st->pgrp == pid_);
      }
    }
    case F::kProcDuration: {
      auto st = proc::read_stat(pid_);
      auto up = proc::read_small_file("/proc/uptime", 128);
      if (!st || !up) return Value::none();
      const double uptime = std::strtod(up->c_str(), nullptr);
      const double started = double(st->start_ticks) / double(::sysconf(_SC_CLK_TCK));
      return Value::of_int(int64_t((uptime - started) * 1e9));
    }
    case F::kThreadCapEffective:
    case F::kThreadCapPermitted:
    case F::kThreadCapInheritable: {
      auto st = proc::read_status(pid_);
      if (!st) return Value::none();
      const F f = field_of(ref.id);
      return str(proc::capability_names(f == F::kThreadCapEffective   ? st->cap_effective
                                        : f == F::kThreadCapPermitted ? st->cap_permitted
                                                                      : st->cap_inheritable));
    }
    // user.* and group.*, resolved through the container's own files
    case F::kUserUid:
    case F::kGroupGid:
    case F::kUserName:
    case F::kGroupName: {
      auto st = proc::read_status(pid_);
      if (!st) return Value::none();
      const F f = field_of(ref.id);
      if (f == F::kUserUid) return Value::of_int(st->euid);
      if (f == F::kGroupGid) return Value::of_int(st->egid);
      const bool user = f == F::kUserName;
      // Read at registration when the container's files are watched: opening them from
      // this thread would wait on vigil's own fanotify group.
      const std::string& cached = user ? container_.passwd : container_.group;
      std::optional<std::string> text;
      if (!cached.empty()) {
        text = cached;
      } else if (!container_.files_watched) {
        text = proc::read_small_file("/proc/" + std::to_string(pid_) +
                                     (user ? "/root/etc/passwd" : "/root/etc/group"));
      }
      if (!text) return Value::none();
      if (auto n = proc::lookup_id_name(*text, user ? st->euid : st->egid)) return str(*n);
      return Value::none();
    }
    case F::kUserLoginuid: {
      auto t = proc::read_small_file("/proc/" + std::to_string(pid_) + "/loginuid", 32);
      if (!t) return Value::none();
      return Value::of_int(int64_t(int32_t(std::strtoul(t->c_str(), nullptr, 10))));
    }
    // container.* and k8s.*
    case F::kContainerId:
      return Value::of(container_.id);
    case F::kContainerFullId:
      return Value::of(container_.full_id);
    // Unknown is <NA>, as in Falco, never "".
    case F::kContainerName:
      return if_set(container_.name);
    case F::kContainerImage:
      return if_set(container_.image);
    case F::kContainerImageRepository:
      return if_set(container_.image_repository);
    case F::kContainerImageTag:
      return if_set(container_.image_tag);
    case F::kContainerImageDigest:
      return if_set(container_.image_digest);
    case F::kContainerType:
      return if_set(container_.type);
    case F::kContainerPrivileged:
      return container_.privileged ? Value::of_bool(*container_.privileged) : Value::none();
    case F::kContainerStartTs:
      return Value::of_int(container_.start_ns);
    case F::kContainerMounts: {
      std::string out;
      for (const auto& m : container_.mounts) {
        out += (out.empty() ? "" : ",") + m.source + ":" + m.destination +
               "::" + (m.rw ? "true" : "false") + ":" + m.propagation;
      }
      return str(std::move(out));
    }
    case F::kContainerMountSource:
    case F::kContainerMountDest: {
      // [N]: mount N. [glob]: the mount whose other end matches (Falco's form: the
      // destination of the mount of a host source, and the reverse).
      const bool want_dest = field_of(ref.id) == F::kContainerMountDest;
      const auto& ms = container_.mounts;
      if (ref.index >= 0) {
        if (size_t(ref.index) >= ms.size()) return Value::none();
        const auto& m = ms[size_t(ref.index)];
        return Value::of(want_dest ? m.destination : m.source);
      }
      const std::string pattern(ref.key);
      for (const auto& m : ms) {
        if (glob_match(pattern, want_dest ? m.source : m.destination)) {
          return Value::of(want_dest ? m.destination : m.source);
        }
      }
      return Value::none();
    }
    case F::kProcEnv: {
      auto env = proc::read_small_file("/proc/" + std::to_string(pid_) + "/environ", 32768);
      if (!env) return Value::none();
      while (!env->empty() && env->back() == '\0') env->pop_back();
      std::replace(env->begin(), env->end(), '\0', ' ');
      return str(std::move(*env));
    }
    case F::kK8sPodName:
      return if_set(container_.pod_name);
    case F::kK8sNsName:
      return if_set(container_.pod_namespace);
    case F::kK8sPodUid:
      return if_set(container_.pod_uid);
    default:
      return Value::none();
  }
}

}  // namespace vigil::fields
