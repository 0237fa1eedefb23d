// A fanotify group's journal: a memfd the keeper also holds, laid out as the group's read
// buffer (so the kernel's own write of the events is their record), an "answered" flag
// per event and each event's file path, written right after the read. An engine that dies
// mid-batch leaves its unanswered events there: its successor answers each by the dead
// reader's event fd number (the kernel matches the number: DESIGN.md, "Surviving the
// engine's death"), deciding it from the journaled path.
#pragma once

#include <sys/fanotify.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "src/common/shared_memory.h"
#include "src/common/unique_fd.h"

namespace vigil::fanotify {

class EventJournal {
 public:
  static constexpr size_t kMaxEvents = 16;  // events per read
  static constexpr size_t kPathMax = 4096;

  static EventJournal create();               // invalid if the kernel refuses
  static EventJournal adopt(UniqueFd memfd);  // a predecessor's, from the keeper
  EventJournal() = default;

  bool valid() const { return mem_.valid(); }
  int fd() const { return mem_.fd(); }
  // The read buffer: whole events only (no info records are requested).
  char* buffer();
  static constexpr size_t buffer_size() { return kMaxEvents * FAN_EVENT_METADATA_LEN; }
  // Clears the buffer, flags and paths before the next read.
  void begin_batch();
  // Event `i` is the one at offset i * FAN_EVENT_METADATA_LEN.
  static size_t index_of(const char* buffer, const fanotify_event_metadata* m);
  void set_path(size_t i, const std::string& path);  // too long: left empty (unknown)
  std::string path(size_t i) const;                  // "" if none was written
  void set_answered(size_t i);
  bool answered(size_t i) const;

 private:
  struct Page;
  Page* page() const { return static_cast<Page*>(mem_.data()); }
  SharedMemory mem_;
};

}  // namespace vigil::fanotify
