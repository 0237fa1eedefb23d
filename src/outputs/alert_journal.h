// Alerts between their decision and their write: a memfd ring of slots that the keeper
// also holds. Each alert is recorded when it is queued and marked done once every sink has
// it. An engine that dies with alerts queued leaves them here, and its successor writes
// them: at least once (an alert written just before the death but not yet marked done is
// written again; its "id" tells the copies apart).
#pragma once

#include <atomic>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "src/common/shared_memory.h"
#include "src/common/unique_fd.h"
#include "src/outputs/alert_record.h"

namespace vigil::outputs {

class AlertJournal {
 public:
  static constexpr size_t kSlots = 1024;
  static constexpr size_t kSlotSize = 8192;

  static AlertJournal create();               // invalid if the kernel refuses
  static AlertJournal adopt(UniqueFd memfd);  // a predecessor's, from the keeper
  AlertJournal() = default;

  bool valid() const { return mem_.valid(); }
  int fd() const { return mem_.fd(); }
  // The slot the alert is recorded in, or -1 (every slot pending, or the alert too large).
  // One writer at a time (the caller serializes).
  int record(const Alert& a);
  void done(int slot);
  // The recorded alerts not yet done, with their slots.
  std::vector<std::pair<int, Alert>> pending() const;

 private:
  struct Slot;
  Slot* slot(size_t i) const;
  SharedMemory mem_;
  size_t cursor_ = 0;
};

}  // namespace vigil::outputs
