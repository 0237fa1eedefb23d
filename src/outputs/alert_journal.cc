// The ring's layout: fixed slots of {state, length, record}.
#include "src/outputs/alert_journal.h"

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
  AlertJournal j;
  j.mem_ = SharedMemory::create("vigil-alert-journal", kBytes);
  return j;
}

AlertJournal AlertJournal::adopt(UniqueFd memfd) {
  AlertJournal j;
  j.mem_ = SharedMemory::adopt(std::move(memfd), kBytes);
  return j;
}

AlertJournal::Slot* AlertJournal::slot(size_t i) const {
  return reinterpret_cast<Slot*>(static_cast<char*>(mem_.data()) + i * kSlotSize);
}

int AlertJournal::record(const Alert& a) {
  if (!mem_.valid()) return -1;
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
  if (mem_.valid() && i >= 0 && size_t(i) < kSlots)
    slot(size_t(i))->state.store(0, std::memory_order_release);
}

std::vector<std::pair<int, Alert>> AlertJournal::pending() const {
  std::vector<std::pair<int, Alert>> out;
  if (!mem_.valid()) return out;
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
