// The watchdog's scan loop.
#include "src/fanotify/watchdog.h"

#include <sys/fanotify.h>
#include <unistd.h>

#include <algorithm>

namespace vigil::fanotify {

int64_t PermissionWatchdog::now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

PermissionWatchdog::PermissionWatchdog(std::chrono::milliseconds deadline, bool allow,
                                       std::function<void(int64_t)> on_fallback)
    : deadline_(deadline), allow_(allow), on_fallback_(std::move(on_fallback)) {
  thread_ = std::thread([this] { run(); });
}

PermissionWatchdog::~PermissionWatchdog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void PermissionWatchdog::watch(std::weak_ptr<InFlight> slot) {
  std::lock_guard<std::mutex> lock(mu_);
  slots_.push_back(std::move(slot));
}

void PermissionWatchdog::run() {
  // Scan a few times per deadline: an event is answered at most deadline + period late.
  const auto period = std::max(std::chrono::milliseconds(5), deadline_ / 4);
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, period, [this] { return stop_; })) {
    const int64_t now = now_ns();
    slots_.erase(std::remove_if(slots_.begin(), slots_.end(),
                                [](const std::weak_ptr<InFlight>& w) { return w.expired(); }),
                 slots_.end());
    for (const auto& w : slots_) {
      auto slot = w.lock();
      if (!slot) continue;
      const int fd = slot->event_fd.load();
      if (fd < 0) continue;
      const int64_t held = now - slot->since_ns.load();
      if (held < std::chrono::duration_cast<std::chrono::nanoseconds>(deadline_).count()) {
        continue;
      }
      {
        // Under the slot's lock: the group cannot close the event fd meanwhile, so the
        // number still names this event (the kernel matches responses by fd number).
        std::lock_guard<std::mutex> slot_lock(slot->mu);
        if (slot->answered || slot->event_fd.load() != fd) continue;
        slot->answered = true;
        fanotify_response r{};
        r.fd = fd;
        r.response = allow_ ? FAN_ALLOW : FAN_DENY;
        (void)!::write(slot->group_fd.get(), &r, sizeof(r));
      }
      ++fallbacks_;
      lock.unlock();
      if (on_fallback_) on_fallback_(held / 1000000);
      lock.lock();
    }
  }
}

}  // namespace vigil::fanotify
