// NotifySession against a real seccomp filter: a thread of this test installs a NOTIFY
// filter on mkdir (filters apply per thread), and the session answers it.
#include "src/seccomp/notify_session.h"

#include <gtest/gtest.h>
#include <sys/syscall.h>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cstddef>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <future>
#include <thread>

#include "tests/unit/testing/mkdir_listener.h"

namespace vigil::seccomp {
namespace {

struct Filtered {
  std::promise<int> listener;
  std::promise<void> go;
  std::promise<int> result;  // errno of the mkdir, 0 on success
};

void filtered_thread(Filtered* f, std::string path) {
  const int fd = testing::install_mkdir_listener();
  f->listener.set_value(fd);
  if (fd < 0) return;
  f->go.get_future().wait();
  int r = ::mkdir(path.c_str(), 0755);
  f->result.set_value(r == 0 ? 0 : errno);
}

// Runs one mkdir in a filtered thread, answered by a session whose handler is `handler`.
int mkdir_under_session(NotifySession::Handler handler, uint64_t* notifications = nullptr) {
  static int counter = 0;
  const std::string dir = std::string(getenv("TEST_TMPDIR")) + "/d" + std::to_string(getpid()) +
                          "-" + std::to_string(++counter);
  Filtered f;
  std::thread t(filtered_thread, &f, dir);
  int fd = f.listener.get_future().get();
  if (fd < 0) {
    t.join();
    ADD_FAILURE() << "cannot load a seccomp filter";
    return -1;
  }
  boost::asio::io_context io;
  auto session =
      std::make_shared<NotifySession>(io, UniqueFd(fd), std::move(handler), [](NotifySession&) {});
  session->start();
  f.go.set_value();
  auto result = f.result.get_future();
  while (result.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready) {
    io.run_for(std::chrono::milliseconds(10));
  }
  t.join();
  if (notifications) *notifications = session->notifications();
  // Stop the session and let its cancelled wait finish before the io_context goes away.
  UniqueFd done = session->release_fd();
  io.poll();
  return result.get();
}

TEST(NotifySession, DenyReturnsTheErrnoToTheTarget) {
  uint64_t n = 0;
  EXPECT_EQ(mkdir_under_session(
                [](NotifySession&, const seccomp_notif&) { return Response::Error(EACCES); }, &n),
            EACCES);
  EXPECT_EQ(n, 1u);
}

TEST(NotifySession, AllowLetsTheSyscallRun) {
  EXPECT_EQ(mkdir_under_session(
                [](NotifySession&, const seccomp_notif&) { return Response::Continue(); }),
            0);
}

TEST(NotifySession, AThrowingHandlerStillGetsAnAnswer) {
  EXPECT_EQ(mkdir_under_session([](NotifySession&, const seccomp_notif&) -> Response {
              throw std::runtime_error("bug");
            }),
            0);
}

TEST(NotifySession, AnErrorResponseOfZeroFailsNothing) {
  // Error(0) answers without running the call and reports success: never CONTINUE.
  EXPECT_EQ(
      mkdir_under_session([](NotifySession&, const seccomp_notif&) { return Response::Error(0); }),
      0);
}

TEST(NotifySession, ReleaseFdHandsTheListenerOnOpen) {
  Filtered f;
  const std::string dir = std::string(getenv("TEST_TMPDIR")) + "/released";
  std::thread t(filtered_thread, &f, dir);
  int fd = f.listener.get_future().get();
  ASSERT_GE(fd, 0);
  boost::asio::io_context io;
  auto session = std::make_shared<NotifySession>(
      io, UniqueFd(fd), [](NotifySession&, const seccomp_notif&) { return Response::Error(EPERM); },
      [](NotifySession&) {});
  session->start();
  UniqueFd handed = session->release_fd();
  ASSERT_EQ(handed.get(), fd);
  session.reset();
  // A successor session on the same fd answers the target.
  auto successor = std::make_shared<NotifySession>(
      io, std::move(handed),
      [](NotifySession&, const seccomp_notif&) { return Response::Error(EROFS); },
      [](NotifySession&) {});
  successor->start();
  f.go.set_value();
  auto result = f.result.get_future();
  while (result.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready) {
    io.run_for(std::chrono::milliseconds(10));
  }
  t.join();
  UniqueFd done = successor->release_fd();
  io.poll();
  EXPECT_EQ(result.get(), EROFS);
}

// Two notifications pending before the session wakes up: the fd signals readiness once
// (the reactor is edge-triggered), so the session must drain, not wait for another edge.
TEST(NotifySession, NotificationsThatArriveTogetherAreAllAnswered) {
  const std::string base = std::string(getenv("TEST_TMPDIR")) + "/together-";
  std::promise<int> listener;
  std::promise<void> go;
  std::shared_future<void> go_f = go.get_future().share();
  std::atomic<int> done{0};
  // One filtered thread that then starts two more threads sharing its filter.
  std::thread t([&] {
    listener.set_value(testing::install_mkdir_listener());
    std::vector<std::thread> workers;
    for (int i = 0; i < 3; ++i) {
      workers.emplace_back([&, i] {
        go_f.wait();
        ::mkdir((base + std::to_string(i)).c_str(), 0755);
        ++done;
      });
    }
    for (auto& w : workers) w.join();
  });
  const int fd = listener.get_future().get();
  ASSERT_GE(fd, 0);
  go.set_value();
  // Let all three notifications queue up before the session first looks at the fd.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  boost::asio::io_context io;
  auto session = std::make_shared<NotifySession>(
      io, UniqueFd(fd), [](NotifySession&, const seccomp_notif&) { return Response::Continue(); },
      [](NotifySession&) {});
  session->start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (done < 3 && std::chrono::steady_clock::now() < deadline) {
    io.run_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(done.load(), 3) << "a notification was left waiting";
  EXPECT_EQ(session->notifications(), 3u);
  if (done < 3) {
    // Unblock the workers so the test can end: answering is what they wait for.
    UniqueFd handed = session->release_fd();
    io.poll();
    handed.reset();  // closing the listener turns their pending mkdirs into ENOSYS
  } else {
    UniqueFd handed = session->release_fd();
    io.poll();
  }
  t.join();
}

// Notifications that arrive while the handler is busy with an earlier one.
TEST(NotifySession, NotificationsArrivingDuringHandlingAreAllAnswered) {
  const std::string base = std::string(getenv("TEST_TMPDIR")) + "/during-";
  std::promise<int> listener;
  std::promise<void> first, rest;
  std::shared_future<void> rest_f = rest.get_future().share();
  std::atomic<int> done{0};
  std::thread t([&] {
    listener.set_value(testing::install_mkdir_listener());
    std::vector<std::thread> workers;
    workers.emplace_back([&] {
      first.get_future().wait();
      ::mkdir((base + "0").c_str(), 0755);
      ++done;
    });
    for (int i = 1; i < 4; ++i) {
      workers.emplace_back([&, i] {
        rest_f.wait();
        ::mkdir((base + std::to_string(i)).c_str(), 0755);
        ++done;
      });
    }
    for (auto& w : workers) w.join();
  });
  const int fd = listener.get_future().get();
  ASSERT_GE(fd, 0);
  boost::asio::io_context io;
  bool released = false;
  auto session = std::make_shared<NotifySession>(
      io, UniqueFd(fd),
      [&](NotifySession&, const seccomp_notif&) {
        if (!released) {
          // While this one is being decided, three more arrive.
          released = true;
          rest.set_value();
          std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
        return Response::Continue();
      },
      [](NotifySession&) {});
  session->start();
  first.set_value();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (done < 4 && std::chrono::steady_clock::now() < deadline) {
    io.run_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(done.load(), 4) << "a notification was left waiting";
  UniqueFd handed = session->release_fd();
  io.poll();
  handed.reset();
  t.join();
}

// A process making calls back to back: one wakeup answers a burst of them (the next is
// pending when the answer returns), every call gets its own answer, and the burst is
// bounded: work posted meanwhile runs after at most kBurst answers, not after the flood.
TEST(NotifySession, BackToBackCallsAreAnsweredInBoundedBursts) {
  // Four threads under one filter: while one call is decided, the others are pending.
  constexpr int kThreads = 4, kCalls = 4000;
  const std::string dir = std::string(getenv("TEST_TMPDIR")) + "/burst";
  std::promise<int> listener;
  std::promise<void> go;
  std::shared_future<void> go_f = go.get_future().share();
  std::atomic<int> refused{0};
  std::thread t([&] {
    listener.set_value(testing::install_mkdir_listener());
    std::vector<std::thread> workers;
    for (int w = 0; w < kThreads; ++w) {
      workers.emplace_back([&] {
        go_f.wait();
        for (int i = 0; i < kCalls / kThreads; ++i) {
          if (::mkdir(dir.c_str(), 0755) != 0 && errno == EROFS) ++refused;
        }
      });
    }
    for (auto& w : workers) w.join();
  });
  const int fd = listener.get_future().get();
  ASSERT_GE(fd, 0);
  boost::asio::io_context io;
  uint64_t answered_when_posted_work_ran = 0;
  bool posted = false;
  std::shared_ptr<NotifySession> session;
  session = std::make_shared<NotifySession>(
      io, UniqueFd(fd),
      [&](NotifySession& s, const seccomp_notif&) {
        if (!posted) {
          posted = true;
          boost::asio::post(io, [&] { answered_when_posted_work_ran = s.notifications(); });
          // Let the other threads queue up: from here on, a call is always pending.
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return Response::Error(EROFS);
      },
      [](NotifySession&) {});
  session->start();
  go.set_value();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (refused < kCalls && std::chrono::steady_clock::now() < deadline) {
    io.run_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(refused.load(), kCalls);
  EXPECT_EQ(session->notifications(), uint64_t(kCalls));
  EXPECT_GE(answered_when_posted_work_ran, 1u);
  EXPECT_LE(answered_when_posted_work_ran, 32u) << "other work waited for the whole flood";
  if (refused < kCalls) {
    UniqueFd handed = session->release_fd();
    io.poll();
    handed.reset();
  } else {
    UniqueFd handed = session->release_fd();
    io.poll();
  }
  t.join();
}

// The filter's last process exits right after its answer: the session sees the hang-up
// (in its burst's poll or in the reactor) and reports it once.
TEST(NotifySession, TheLastProcessExitingClosesTheSession) {
  Filtered f;
  const std::string dir = std::string(getenv("TEST_TMPDIR")) + "/hangup";
  std::thread t(filtered_thread, &f, dir);
  const int fd = f.listener.get_future().get();
  ASSERT_GE(fd, 0);
  boost::asio::io_context io;
  int closed = 0;
  auto session = std::make_shared<NotifySession>(
      io, UniqueFd(fd), [](NotifySession&, const seccomp_notif&) { return Response::Continue(); },
      [&](NotifySession&) { ++closed; });
  session->start();
  f.go.set_value();
  auto result = f.result.get_future();
  while (result.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready) {
    io.run_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(result.get(), 0);  // answered; the thread now exits
  t.join();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (closed == 0 && std::chrono::steady_clock::now() < deadline) {
    io.run_for(std::chrono::milliseconds(10));
  }
  io.run_for(std::chrono::milliseconds(50));
  EXPECT_EQ(closed, 1);
  UniqueFd done = session->release_fd();
  io.poll();
}

// A journal fd too short for its layout (not one vigil made) is refused, not mapped: a
// mapping past the end of a memfd faults on first touch.
TEST(NotifyJournal, AMemfdSmallerThanTheJournalIsRefused) {
  UniqueFd small(::memfd_create("small", MFD_CLOEXEC));
  ASSERT_TRUE(small);
  ASSERT_EQ(::ftruncate(small.get(), 16), 0);
  EXPECT_FALSE(NotifyJournal::adopt(std::move(small)).valid());
  EXPECT_FALSE(NotifyJournal::adopt(UniqueFd()).valid());
  NotifyJournal made = NotifyJournal::create();
  ASSERT_TRUE(made.valid());
  made.slot()->id = 42;
  NotifyJournal again = NotifyJournal::adopt(UniqueFd(::fcntl(made.fd(), F_DUPFD_CLOEXEC, 0)));
  ASSERT_TRUE(again.valid());
  EXPECT_EQ(again.slot()->id, 42u) << "the same memory, mapped twice";
  NotifyJournal moved = std::move(made);
  EXPECT_TRUE(moved.valid());
  EXPECT_FALSE(made.valid());  // NOLINT(bugprone-use-after-move): moved-from is empty
}

TEST(NotifyJournal, ASuccessorAnswersWhatADeadReaderReceived) {
  // The "dead engine": RECV into the journal, then nothing (as if SIGKILLed before SEND).
  const std::string dir = std::string(getenv("TEST_TMPDIR")) + "/orphan";
  Filtered f;
  std::thread t(filtered_thread, &f, dir);
  const int fd = f.listener.get_future().get();
  ASSERT_GE(fd, 0);
  NotifyJournal dead = NotifyJournal::create();
  ASSERT_TRUE(dead.valid());
  UniqueFd journal_copy(::fcntl(dead.fd(), F_DUPFD_CLOEXEC, 0));  // what the keeper holds
  f.go.set_value();
  std::memset(dead.slot(), 0, sizeof(seccomp_notif));
  ASSERT_EQ(::ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, dead.slot()), 0);
  EXPECT_NE(dead.slot()->id, 0u) << "the kernel's write is the record";
  auto result = f.result.get_future();
  EXPECT_EQ(result.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout)
      << "the target waits for an answer";

  // The successor: same listener (the keeper's copy), the journal mapped anew.
  boost::asio::io_context io;
  int decided = 0;
  auto session = std::make_shared<NotifySession>(
      io, UniqueFd(fd),
      [&](NotifySession&, const seccomp_notif& req) {
        ++decided;
        EXPECT_TRUE(req.data.nr == __NR_mkdir || req.data.nr == __NR_mkdirat);
        return Response::Error(EACCES);
      },
      [](NotifySession&) {}, NotifyJournal::adopt(std::move(journal_copy)));
  EXPECT_TRUE(session->recover_orphan());
  EXPECT_EQ(decided, 1);
  EXPECT_EQ(result.get(), EACCES) << "the successor's answer reached the target";
  EXPECT_EQ(session->journal().slot()->id, 0u) << "the journal is cleared";
  EXPECT_FALSE(session->recover_orphan()) << "nothing left";
  t.join();
  UniqueFd done = session->release_fd();
  io.poll();
}

}  // namespace
}  // namespace vigil::seccomp
