// TaskMemory: bounded reads of a blocked thread's memory.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>

#include "src/common/unique_fd.h"

namespace vigil::proc {

// A blocked thread's memory: process_vm_readv (one call, no fd), or /proc/<tid>/mem where a
// kernel or an LSM refuses it. `after_open`, if given, is asked once /proc/<tid>/mem is
// open (seccomp_unotify(2): the notification is still valid, so the pid was not recycled
// meanwhile); false closes it again. The one reader of caller memory for both channels.
class TaskMemory {
 public:
  explicit TaskMemory(pid_t tid, std::function<bool()> after_open = nullptr)
      : tid_(tid), after_open_(std::move(after_open)) {}
  TaskMemory(const TaskMemory&) = delete;
  TaskMemory& operator=(const TaskMemory&) = delete;
  // Up to n bytes at addr; how many were read (0: none, unmapped or gone).
  size_t read(uint64_t addr, void* out, size_t n);
  // A NUL-terminated string at addr, shorter than max; false if unreadable or not shorter
  // (not trusted as a path).
  bool read_string(uint64_t addr, size_t max, std::string& out);
  // process_vm_readv was refused: reads go through /proc/<tid>/mem.
  bool vm_refused() const { return vm_refused_; }

 private:
  bool open_mem();
  pid_t tid_;
  std::function<bool()> after_open_;
  UniqueFd mem_;
  bool mem_tried_ = false, vm_refused_ = false;
};

}  // namespace vigil::proc
