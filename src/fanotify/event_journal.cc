// The journal's layout in shared memory.
#include "src/fanotify/event_journal.h"

#include <cstring>
#include <utility>

namespace vigil::fanotify {

struct EventJournal::Page {
  uint8_t answered[kMaxEvents];
  alignas(8) char buffer[kMaxEvents * FAN_EVENT_METADATA_LEN];
  char paths[kMaxEvents][kPathMax];
};

EventJournal EventJournal::create() {
  EventJournal j;
  j.mem_ = SharedMemory::create("vigil-fanotify-journal", sizeof(Page));
  return j;
}

EventJournal EventJournal::adopt(UniqueFd memfd) {
  EventJournal j;
  j.mem_ = SharedMemory::adopt(std::move(memfd), sizeof(Page));
  return j;
}

char* EventJournal::buffer() { return page()->buffer; }

void EventJournal::begin_batch() {
  std::memset(page()->answered, 0, sizeof(page()->answered));
  std::memset(page()->buffer, 0, sizeof(page()->buffer));
  for (auto& p : page()->paths) p[0] = 0;
}

size_t EventJournal::index_of(const char* buffer, const fanotify_event_metadata* m) {
  return size_t(reinterpret_cast<const char*>(m) - buffer) / FAN_EVENT_METADATA_LEN;
}

void EventJournal::set_path(size_t i, const std::string& path) {
  if (i >= kMaxEvents) return;
  if (path.size() >= kPathMax) {
    page()->paths[i][0] = 0;
    return;
  }
  std::memcpy(page()->paths[i], path.c_str(), path.size() + 1);
}

std::string EventJournal::path(size_t i) const {
  if (i >= kMaxEvents) return {};
  return std::string(page()->paths[i], ::strnlen(page()->paths[i], kPathMax - 1));
}

void EventJournal::set_answered(size_t i) {
  if (i < kMaxEvents) page()->answered[i] = 1;
}

bool EventJournal::answered(size_t i) const { return i >= kMaxEvents || page()->answered[i]; }

}  // namespace vigil::fanotify
