// An Event for one fanotify event on a container's mount: the object is the file actually
// opened or executed (the event's own fd), so fd.name cannot be raced; proc.* describe the
// process that opened it (for an exec, the program image being executed is fd.name).
#pragma once

#include <sys/fanotify.h>
#include <sys/stat.h>

#include <atomic>
#include <optional>
#include <string>

#include "src/fields/process_event.h"
#include "src/proc/blocked_call.h"

namespace vigil::fields {

class FileEvent final : public ProcessEvent {
 public:
  // `raw_path`: the kernel's name for the event's file in the daemon's mount namespace, as
  // the group read it (null: read it here, or unknown for an orphan). An orphan's fd is not
  // this process's: only its path, pid and mask are known.
  FileEvent(const fanotify_event_metadata& m, const ContainerInfo& container, uint64_t number,
            const std::string* raw_path = nullptr, bool orphan = false);
  EventTypeId type() const override { return type_; }
  Channel channel() const override { return channel_; }

  // The event types file events are indexed under: fanotify cannot tell open from openat.
  static EventTypeId open_type();
  static EventTypeId exec_type();
  static EventTypeId write_type();
  // Opens whose flags could not be read from the opener's system call (openat2, io_uring,
  // an opener that never slept in reach): each counted as read and write (fail closed).
  static uint64_t unknown_intents() { return unknown_intents_.load(std::memory_order_relaxed); }

  // fd.nlink for every file of the event's directory: 1 while the container has made no
  // hard link (what the decision cache's directory analysis may assume).
  Value directory_field(const FieldRef& ref) override;

  int fd() const { return fd_; }
  // The event's file's fstat, already read by whoever delivered the event (the fanotify
  // group): the fields do not read it again.
  void seed_stat(const struct stat& st) {
    stat_ = st;
    stat_read_ = stat_ok_ = true;
  }
  // Whether the opener is blocked in an execve or execveat: an open event that is an exec
  // (the kernel reports an exec's open as an exec event and as an open event).
  bool opened_by_exec();

  // The file's path as the container sees it.
  const std::optional<std::string>& path();

 private:
  Value extract(const FieldRef& ref) override;
  const Image& image(ImagePart need) override;

  // What the opener asked for, from the system call it is blocked in (see file_event.cc).
  struct OpenIntent {
    bool read = true;
    bool write = true;
  };
  const OpenIntent& open_intent();
  // The event's file's fstat, once per event (nullptr if it cannot be read).
  const struct stat* stat_of_file();
  // The system call the opener is blocked in (awaited once: see open_intent()).
  const std::optional<proc::BlockedSyscall>& blocked_call();
  // Falco's exe flags of the program being executed: EXE_WRITABLE (by the caller's
  // effective user), EXE_UPPER_LAYER / EXE_LOWER_LAYER (written since the container
  // started, or not), EXE_FROM_MEMFD.
  Value exe_flags();

  static std::atomic<uint64_t> unknown_intents_;
  int fd_;
  std::optional<OpenIntent> intent_;
  struct stat stat_ {};
  bool stat_read_ = false, stat_ok_ = false;
  std::optional<proc::BlockedSyscall> blocked_;
  bool blocked_read_ = false;
  Channel channel_;
  EventTypeId type_;
  std::optional<std::optional<std::string>> path_;
  std::optional<std::string> raw_path_;  // given by the group
  bool raw_path_known_ = false;          // true: the (absent) raw path is final
};

}  // namespace vigil::fields
