// A fake AlertSink for tests: keeps what it was given; can be made to stall until released
// (a dead peer) or to fail.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "vigil/sink.h"

namespace vigil::testing {

class FakeSink : public AlertSink {
 public:
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<Alert> written;
    bool stalled = false;
    bool failing = false;
    int reopened = 0;
  };
  FakeSink(std::string name, std::shared_ptr<Shared> s)
      : name_(std::move(name)), s_(std::move(s)) {}
  std::string_view name() const override { return name_; }
  bool write(const Alert& a) override {
    std::unique_lock<std::mutex> lock(s_->mu);
    s_->cv.wait(lock, [this] { return !s_->stalled; });
    if (s_->failing) return false;
    s_->written.push_back(a);
    return true;
  }
  void reopen() override {
    std::lock_guard<std::mutex> lock(s_->mu);
    ++s_->reopened;
  }

 private:
  std::string name_;
  std::shared_ptr<Shared> s_;
};

}  // namespace vigil::testing
