// One sink's bounded queue and the thread that empties it into the sink. push() never
// blocks: a full queue drops the alert, counts it, and the next alert written is preceded
// by a "vigil: alerts dropped" alert to the same sink. So a sink that stalls (a full disk,
// a dead peer) loses its own alerts and delays nothing else.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "vigil/sink.h"

namespace vigil::outputs {

// An alert on its way to every sink; `remaining` counts the sinks still to take it.
struct Pending {
  Alert alert;
  int slot = -1;     // in the alert journal, or -1
  uint64_t gen = 0;  // which journal (one adopted later has other slots)
  std::atomic<int> remaining{0};
};

class SinkQueue {
 public:
  // `settled` runs on the sink's thread once this sink is done with an alert (written,
  // failed or dropped).
  using Settled = std::function<void(const std::shared_ptr<Pending>&)>;
  // `trouble` runs on the sink's thread when its writes start failing (`failing`, with the
  // sink's reason) and when they work again: once per change, not per alert.
  using Trouble =
      std::function<void(SinkQueue& q, bool failing, const std::string& why, const Alert& at)>;
  SinkQueue(std::unique_ptr<AlertSink> sink, size_t capacity, Settled settled,
            Trouble trouble = {});
  // Writes what is queued, then stops the thread.
  ~SinkQueue();
  // False if the queue was full (the alert is dropped for this sink, and settled).
  bool push(std::shared_ptr<Pending> p);
  void flush();   // waits until everything queued so far is written (tests, exit)
  void reopen();  // asks the sink, on its thread, to reopen before its next write
  std::string_view name() const { return sink_->name(); }
  uint64_t dropped() const;
  uint64_t written() const { return written_.load(std::memory_order_relaxed); }
  uint64_t failed() const { return failed_.load(std::memory_order_relaxed); }

 private:
  void run();
  std::unique_ptr<AlertSink> sink_;
  size_t capacity_;
  Settled settled_;
  Trouble trouble_;
  bool failing_ = false;  // the sink thread's own
  mutable std::mutex mu_;
  std::condition_variable cv_, idle_;
  std::deque<std::shared_ptr<Pending>> queue_;
  bool stop_ = false;
  bool busy_ = false;
  bool reopen_ = false;
  uint64_t dropped_ = 0, reported_dropped_ = 0;
  std::atomic<uint64_t> written_{0}, failed_{0};
  std::thread thread_;
};

}  // namespace vigil::outputs
