// The base of vigil's events: everything about the process that caused an event (proc.*,
// thread.*, user.*, group.*) and its container (container.*, k8s.*), extracted lazily and
// once per event. SyscallEvent and FileEvent add what their kernel channel reports.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <forward_list>
#include <string>
#include <string_view>
#include <vector>

#include "src/fields/container_info.h"
#include "src/fields/field_ids.h"
#include "vigil/event.h"

namespace vigil::fields {

class ProcessEvent : public Event {
 public:
  Value field(const FieldRef& ref) final;
  pid_t pid() const { return pid_; }

 protected:
  ProcessEvent(pid_t pid, const ContainerInfo& container, uint64_t number);

  // The channel's own fields; return common_field(ref) for the rest.
  virtual Value extract(const FieldRef& ref) = 0;
  // evt.* fields every channel answers alike, proc.*, thread.*, user.*, group.*,
  // container.* and k8s.*: a switch on the field's id.
  Value common_field(const FieldRef& ref);

  struct Image {  // what proc.name, exe, exepath, args, cmdline describe
    std::string name, exe, exepath, args, cmdline;
    unsigned parts = 0;  // which parts were read
    bool ok = false, ok_args = false, ok_exepath = false;
  };
  enum ImagePart : unsigned { kName = 1, kArgs = 2, kExePath = 4 };
  // The running process's image, read from /proc in parts (one read for proc.name alone).
  const Image& process_image(ImagePart need);
  // What proc.* report: the running process unless the channel knows better (an execve's
  // new program).
  virtual const Image& image(ImagePart need) { return process_image(need); }
  Value image_field(F field);

  Value str(std::string s);
  Value ancestor(int32_t index, int what);  // what: 0 name, 1 exe, 2 exepath, 3 pid
  // The pid of ancestor `index` (0 = the process), or -1 past the top of the tree. The
  // chain is read once per event, as far as a rule asks, however many fields ask.
  pid_t ancestor_pid(int32_t index);

  pid_t pid_;
  const ContainerInfo& container_;
  uint64_t number_;
  Image image_;

 private:
  struct Cached {
    FieldId id;
    int32_t index;
    std::string_view key;  // points into the rule program, which outlives the event
    Value value;
  };
  // Fields extracted so far; a fixed array, so that an event allocates nothing for it.
  std::array<Cached, 24> cache_;
  size_t cached_ = 0;
  std::array<pid_t, 33> chain_{};  // chain_[0] = the process, [1] its parent, ...
  size_t chain_len_ = 0;
  bool chain_complete_ = false;  // reached the top (pid 1), or a process that is gone
  // Stable addresses for the string_views returned; allocates nothing until used.
  std::forward_list<std::string> storage_;
  std::vector<std::string_view> list_;
};

}  // namespace vigil::fields
