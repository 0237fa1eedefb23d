// The per-sink writer thread.
#include "src/outputs/sink_queue.h"

#include <pthread.h>
#include <signal.h>

#include <string>

namespace vigil::outputs {

SinkQueue::SinkQueue(std::unique_ptr<AlertSink> sink, size_t capacity, Settled settled,
                     Trouble trouble)
    : sink_(std::move(sink)),
      capacity_(capacity),
      settled_(std::move(settled)),
      trouble_(std::move(trouble)) {
  thread_ = std::thread([this] { run(); });
}

SinkQueue::~SinkQueue() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool SinkQueue::push(std::shared_ptr<Pending> p) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.size() < capacity_) {
      queue_.push_back(std::move(p));
      cv_.notify_one();
      return true;
    }
    ++dropped_;
  }
  settled_(p);
  return false;
}

void SinkQueue::reopen() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    reopen_ = true;
  }
  cv_.notify_one();
}

void SinkQueue::flush() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_.wait(lock, [this] { return queue_.empty() && !busy_; });
}

uint64_t SinkQueue::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

void SinkQueue::run() {
  // A program output that exited fails its write with EPIPE on this thread, not a SIGPIPE
  // that would end the daemon.
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || reopen_ || !queue_.empty(); });
    if (reopen_) {
      reopen_ = false;
      lock.unlock();
      sink_->reopen();
      lock.lock();
      continue;
    }
    if (queue_.empty() && stop_) return;
    std::shared_ptr<Pending> p = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    const uint64_t newly_dropped = dropped_ - reported_dropped_;
    reported_dropped_ = dropped_;
    lock.unlock();
    if (newly_dropped) {
      Alert d;
      d.time_ns = p->alert.time_ns;
      d.rule = "vigil: alerts dropped";
      d.priority = Priority::kCritical;
      d.output = std::to_string(newly_dropped) + " alerts were dropped: the " +
                 std::string(sink_->name()) + " output's queue was full";
      d.action = "alert";
      d.hostname = p->alert.hostname;
      sink_->write(d);
    }
    const bool ok = sink_->write(p->alert);
    (ok ? written_ : failed_).fetch_add(1, std::memory_order_relaxed);
    if (ok == failing_) {
      failing_ = !ok;
      if (trouble_) trouble_(*this, failing_, ok ? std::string() : sink_->last_error(), p->alert);
    }
    settled_(p);
    p.reset();
    lock.lock();
    busy_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
}

}  // namespace vigil::outputs
