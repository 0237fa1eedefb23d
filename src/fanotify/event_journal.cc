// The journal's layout in shared memory.
#include "src/fanotify/event_journal.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <utility>

namespace vigil::fanotify {

struct EventJournal::Page {
  uint8_t answered[kMaxEvents];
  alignas(8) char buffer[kMaxEvents * FAN_EVENT_METADATA_LEN];
  char paths[kMaxEvents][kPathMax];
};

EventJournal EventJournal::create() {
  UniqueFd fd(::memfd_create("vigil-fanotify-journal", MFD_CLOEXEC));
  if (!fd || ::ftruncate(fd.get(), sizeof(Page)) != 0) return {};
  return adopt(std::move(fd));
}

EventJournal EventJournal::adopt(UniqueFd memfd) {
  EventJournal j;
  struct stat st;
  if (!memfd || ::fstat(memfd.get(), &st) != 0 || size_t(st.st_size) < sizeof(Page)) return j;
  void* p = ::mmap(nullptr, sizeof(Page), PROT_READ | PROT_WRITE, MAP_SHARED, memfd.get(), 0);
  if (p == MAP_FAILED) return j;
  j.memfd_ = std::move(memfd);
  j.page_ = static_cast<Page*>(p);
  return j;
}

EventJournal::EventJournal(EventJournal&& o) noexcept
    : memfd_(std::move(o.memfd_)), page_(std::exchange(o.page_, nullptr)) {}

EventJournal& EventJournal::operator=(EventJournal&& o) noexcept {
  if (this != &o) {
    if (page_) ::munmap(page_, sizeof(Page));
    memfd_ = std::move(o.memfd_);
    page_ = std::exchange(o.page_, nullptr);
  }
  return *this;
}

EventJournal::~EventJournal() {
  if (page_) ::munmap(page_, sizeof(Page));
}

char* EventJournal::buffer() { return page_->buffer; }

void EventJournal::begin_batch() {
  std::memset(page_->answered, 0, sizeof(page_->answered));
  std::memset(page_->buffer, 0, sizeof(page_->buffer));
  for (auto& p : page_->paths) p[0] = 0;
}

size_t EventJournal::index_of(const char* buffer, const fanotify_event_metadata* m) {
  return size_t(reinterpret_cast<const char*>(m) - buffer) / FAN_EVENT_METADATA_LEN;
}

void EventJournal::set_path(size_t i, const std::string& path) {
  if (i >= kMaxEvents) return;
  if (path.size() >= kPathMax) {
    page_->paths[i][0] = 0;
    return;
  }
  std::memcpy(page_->paths[i], path.c_str(), path.size() + 1);
}

std::string EventJournal::path(size_t i) const {
  if (i >= kMaxEvents) return {};
  return std::string(page_->paths[i], ::strnlen(page_->paths[i], kPathMax - 1));
}

void EventJournal::set_answered(size_t i) {
  if (i < kMaxEvents) page_->answered[i] = 1;
}

bool EventJournal::answered(size_t i) const { return i >= kMaxEvents || page_->answered[i]; }

}  // namespace vigil::fanotify
