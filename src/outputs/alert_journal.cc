// The ring's layout: fixed slots of {state, length, record}.
#include "src/outputs/alert_journal.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace vigil::outputs {

struct AlertJournal::Slot {
  std::atomic<uint32_t> state;  // 0 free, 1 pending
  uint32_t length;
  char record[kSlotSize - 8];
};
static_assert(sizeof(std::atomic<uint32_t>) == 4, "slot layout");

namespace {
constexpr size_t kBytes = AlertJournal::kSlots * AlertJournal::kSlotSize;
}

AlertJournal AlertJournal::create() {
  UniqueFd fd(::memfd_create("vigil-alert-journal", MFD_CLOEXEC));
  if (!fd || ::ftruncate(fd.get(), kBytes) != 0) return {};
  return adopt(std::move(fd));
}

AlertJournal AlertJournal::adopt(UniqueFd memfd) {
  AlertJournal j;
  struct stat st;
  if (!memfd || ::fstat(memfd.get(), &st) != 0 || size_t(st.st_size) < kBytes) return j;
  void* p = ::mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_SHARED, memfd.get(), 0);
  if (p == MAP_FAILED) return j;
  j.memfd_ = std::move(memfd);
  j.base_ = static_cast<char*>(p);
  return j;
}

AlertJournal::AlertJournal(AlertJournal&& o) noexcept
    : memfd_(std::move(o.memfd_)), base_(std::exchange(o.base_, nullptr)), cursor_(o.cursor_) {}

AlertJournal& AlertJournal::operator=(AlertJournal&& o) noexcept {
  if (this != &o) {
    if (base_) ::munmap(base_, kBytes);
    memfd_ = std::move(o.memfd_);
    base_ = std::exchange(o.base_, nullptr);
    cursor_ = o.cursor_;
  }
  return *this;
}

AlertJournal::~AlertJournal() {
  if (base_) ::munmap(base_, kBytes);
}

AlertJournal::Slot* AlertJournal::slot(size_t i) const {
  return reinterpret_cast<Slot*>(base_ + i * kSlotSize);
}

int AlertJournal::record(const Alert& a) {
  if (!base_) return -1;
  const std::string text = to_record(a);
  if (text.size() > sizeof(Slot::record)) return -1;
  for (size_t n = 0; n < kSlots; ++n) {
    const size_t i = (cursor_ + n) % kSlots;
    Slot* s = slot(i);
    if (s->state.load(std::memory_order_acquire) != 0) continue;
    std::memcpy(s->record, text.data(), text.size());
    s->length = uint32_t(text.size());
    // Pending only once complete: a death in the middle leaves a free slot, not garbage.
    s->state.store(1, std::memory_order_release);
    cursor_ = (i + 1) % kSlots;
    return int(i);
  }
  return -1;
}

void AlertJournal::done(int i) {
  if (base_ && i >= 0 && size_t(i) < kSlots)
    slot(size_t(i))->state.store(0, std::memory_order_release);
}

std::vector<std::pair<int, Alert>> AlertJournal::pending() const {
  std::vector<std::pair<int, Alert>> out;
  if (!base_) return out;
  for (size_t i = 0; i < kSlots; ++i) {
    const Slot* s = slot(i);
    if (s->state.load(std::memory_order_acquire) != 1) continue;
    if (s->length > sizeof(Slot::record)) continue;
    if (auto a = from_record(std::string(s->record, s->length))) out.emplace_back(int(i), *a);
  }
  std::sort(out.begin(), out.end(),
            [](const auto& x, const auto& y) { return x.second.time_ns < y.second.time_ns; });
  return out;
}

}  // namespace vigil::outputs
