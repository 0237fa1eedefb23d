// The dispatcher with fake sinks: a stalled sink drops its own alerts and delays no other,
// every alert reaches every sink, and the journal slot is done only once all have it.
#include "src/outputs/dispatcher.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/unit/testing/fake_sink.h"

namespace vigil::outputs {
namespace {

using testing::FakeSink;

Alert alert(const std::string& rule) {
  Alert a;
  a.time_ns = 1;
  a.rule = rule;
  a.output = "o";
  return a;
}

TEST(AlertDispatcher, AStalledSinkDelaysNoOtherSink) {
  auto slow = std::make_shared<FakeSink::Shared>();
  auto fast = std::make_shared<FakeSink::Shared>();
  slow->stalled = true;
  std::vector<std::unique_ptr<AlertSink>> sinks;
  sinks.push_back(std::make_unique<FakeSink>("slow", slow));
  sinks.push_back(std::make_unique<FakeSink>("fast", fast));
  AlertDispatcher d(std::move(sinks), /*capacity=*/8);
  // One at a time, each waited for at the fast sink (so its own queue never fills), while
  // the slow sink is stuck on the first.
  for (int i = 0; i < 20; ++i) {
    const auto start = std::chrono::steady_clock::now();
    d.push(alert("r" + std::to_string(i)));
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500))
        << "push never blocks";
    for (int tries = 0; tries < 500; ++tries) {
      {
        std::lock_guard<std::mutex> lock(fast->mu);
        if (fast->written.size() == size_t(i + 1)) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  {
    std::lock_guard<std::mutex> lock(fast->mu);
    ASSERT_EQ(fast->written.size(), 20u);
    EXPECT_EQ(fast->written.back().rule, "r19");
  }
  const auto stats = d.stats();
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].name, "slow");
  // One in its write, eight queued, the rest dropped.
  EXPECT_EQ(stats[0].dropped, 11u);
  EXPECT_EQ(stats[1].dropped, 0u);
  {
    std::lock_guard<std::mutex> lock(slow->mu);
    slow->stalled = false;
  }
  slow->cv.notify_all();
  d.flush();
  std::lock_guard<std::mutex> lock(slow->mu);
  ASSERT_GE(slow->written.size(), 2u);
  // Its first alert after the drops says how many it lost.
  bool reported = false;
  for (const auto& a : slow->written) reported = reported || a.rule == "vigil: alerts dropped";
  EXPECT_TRUE(reported);
}

TEST(AlertDispatcher, TheJournalSlotIsDoneOnlyWhenEverySinkHasTheAlert) {
  auto a = std::make_shared<FakeSink::Shared>();
  auto b = std::make_shared<FakeSink::Shared>();
  b->stalled = true;
  std::vector<std::unique_ptr<AlertSink>> sinks;
  sinks.push_back(std::make_unique<FakeSink>("a", a));
  sinks.push_back(std::make_unique<FakeSink>("b", b));
  AlertDispatcher d(std::move(sinks));
  AlertJournal journal = AlertJournal::create();
  ASSERT_TRUE(journal.valid());
  UniqueFd copy(::fcntl(journal.fd(), F_DUPFD_CLOEXEC, 0));
  d.use_journal(std::move(journal));
  d.push(alert("one"));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  AlertJournal view = AlertJournal::adopt(std::move(copy));
  EXPECT_EQ(view.pending().size(), 1u) << "sink b has not written it yet";
  {
    std::lock_guard<std::mutex> lock(b->mu);
    b->stalled = false;
  }
  b->cv.notify_all();
  d.flush();
  EXPECT_EQ(view.pending().size(), 0u);
}

TEST(AlertDispatcher, ReopenReachesEverySink) {
  auto a = std::make_shared<FakeSink::Shared>();
  std::vector<std::unique_ptr<AlertSink>> sinks;
  sinks.push_back(std::make_unique<FakeSink>("a", a));
  AlertDispatcher d(std::move(sinks));
  d.reopen();
  d.push(alert("after"));
  d.flush();
  std::lock_guard<std::mutex> lock(a->mu);
  EXPECT_EQ(a->reopened, 1);
  EXPECT_EQ(a->written.size(), 1u);
}

}  // namespace
}  // namespace vigil::outputs
