// The engine's event path (src/engine/event_path.h) through a fake outlet: real seccomp
// notifications from a filtered thread or a child process of this test, and file events
// on real files of this test, decided by real compiled rules. What it checks: the answer
// each verdict gives, that alerts and records are queued before the answer, that nothing
// is written of a caller that is gone, and that a reload between an answer and what is
// asked after it (the decision cache) neither frees nor swaps the rules in use.
#include "src/engine/event_path.h"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "tests/unit/testing/fake_outlet.h"
#include "tests/unit/testing/load.h"
#include "tests/unit/testing/mkdir_listener.h"

namespace vigil::engine {
namespace {

const std::string kRules = std::string(testing::kBlockedMkdirRule) + R"(
- rule: Open of secret
  desc: d
  condition: evt.type in (open, openat) and fd.name endswith /secret
  output: open %fd.name
  priority: WARNING
  action: block
)";

std::shared_ptr<const rules::CompiledRuleSet> compile(const std::string& yaml) {
  auto r = testing::load_yaml(yaml);
  EXPECT_FALSE(r.diagnostics.has_errors()) << testing::errors(r);
  return r.rules;
}

bool receive(int fd, seccomp_notif& req) {
  req = {};
  return ::ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) == 0;
}

// Sends `r` as NotifySession::apply would (continue, or the error).
void send(int fd, const seccomp_notif& req, const seccomp::Response& r) {
  seccomp_notif_resp resp{};
  resp.id = req.id;
  if (r.kind == seccomp::Response::Kind::kError) {
    resp.error = -r.error;
  } else {
    resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  }
  ::ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

class EventPathTest : public ::testing::Test {
 protected:
  EventPathTest() {
    cfg_.decision_cache = config::DecisionCache::kDirectory;
    container_.id = container_.info.id = "0123456789ab";
    path_.use_rules(compile(kRules));
  }

  // mkdir(`dir`) in a thread under the filter; the test answers with `path_`'s response.
  // Returns the errno the thread saw (0: created) and what on_notification returned.
  int mkdir_answered(const std::string& dir, seccomp::Response* response) {
    std::promise<int> listener;
    std::promise<int> result;
    std::thread t([&] {
      const int fd = testing::install_mkdir_listener();
      listener.set_value(fd);
      if (fd < 0) return;
      const int r = ::mkdir(dir.c_str(), 0755);
      result.set_value(r == 0 ? 0 : errno);
    });
    const int fd = listener.get_future().get();
    if (fd < 0) {
      t.join();
      ADD_FAILURE() << "no seccomp listener: " << strerror(errno);
      return -1;
    }
    seccomp_notif req;
    EXPECT_TRUE(receive(fd, req));
    *response = path_.on_notification(container_, req, fd);
    send(fd, req, *response);
    out_.answered = true;
    const int seen = result.get_future().get();
    t.join();
    ::close(fd);
    return seen;
  }

  std::string tmp(const std::string& name) { return std::string(getenv("TEST_TMPDIR")) + name; }

  config::Config cfg_;
  verdict::VerdictPipeline pipeline_{config::Mode::kEnforce, "node1"};
  testing::FakeOutlet out_;
  EventPath path_{cfg_, pipeline_, out_, nullptr};
  Container container_;
};

TEST_F(EventPathTest, ABlockedMkdirGetsTheRulesErrnoAndItsAlertIsQueuedBeforeTheAnswer) {
  out_.record_on = true;
  seccomp::Response r;
  EXPECT_EQ(mkdir_answered(tmp("/blocked"), &r), EACCES);
  EXPECT_EQ(r.kind, seccomp::Response::Kind::kError);
  ASSERT_EQ(out_.log.size(), 2u);
  // The record holds what was read of the caller while it waited; the alert is journaled
  // by the queue it goes to: both before the kernel has the answer.
  EXPECT_EQ(out_.log[0].what, "record: 0123456789ab");
  EXPECT_FALSE(out_.log[0].after_answer);
  EXPECT_EQ(out_.log[1].what, "alert: Mkdir in blocked");
  EXPECT_FALSE(out_.log[1].after_answer);
  EXPECT_EQ(out_.alerts[0].action, "block");
}

TEST_F(EventPathTest, AnAllowedMkdirContinuesAndQueuesNothing) {
  seccomp::Response r;
  EXPECT_EQ(mkdir_answered(tmp("/allowed"), &r), 0);
  EXPECT_EQ(r.kind, seccomp::Response::Kind::kContinue);
  EXPECT_TRUE(out_.log.empty());
  EXPECT_EQ(path_.events(), 1u);
}

TEST_F(EventPathTest, MonitorModeLetsTheMkdirRunAndSaysWouldBlock) {
  verdict::VerdictPipeline monitor(config::Mode::kMonitor, "node1");
  EventPath path(cfg_, monitor, out_, nullptr);
  path.use_rules(path_.rules());
  std::promise<int> listener, result;
  const std::string dir = tmp("/blocked-monitor");
  std::thread t([&] {
    const int fd = testing::install_mkdir_listener();
    listener.set_value(fd);
    const int r = ::mkdir(dir.c_str(), 0755);
    result.set_value(r == 0 ? 0 : errno);
  });
  const int fd = listener.get_future().get();
  ASSERT_GE(fd, 0);
  seccomp_notif req;
  ASSERT_TRUE(receive(fd, req));
  const auto r = path.on_notification(container_, req, fd);
  send(fd, req, r);
  EXPECT_EQ(result.get_future().get(), 0);
  t.join();
  ::close(fd);
  EXPECT_EQ(r.kind, seccomp::Response::Kind::kContinue);
  ASSERT_EQ(out_.alerts.size(), 1u);
  EXPECT_EQ(out_.alerts[0].action, "would block");
}

// A caller killed after its notification was received: its pid may be another process's
// by the time anything is written, so nothing read of it is (alert or record), and the
// answer is a plain continue that the kernel drops.
TEST_F(EventPathTest, NothingIsWrittenOfACallerThatIsGone) {
  out_.record_on = true;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const std::string dir = tmp("/blocked-gone");
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const int fd = testing::install_mkdir_listener();
    // The listener goes to the parent through the pipe as a number it can pidfd_getfd.
    if (::write(fds[1], &fd, sizeof(fd)) != sizeof(fd)) _exit(1);
    ::mkdir(dir.c_str(), 0755);
    _exit(0);
  }
  ::close(fds[1]);
  int child_fd = -1;
  ASSERT_EQ(::read(fds[0], &child_fd, sizeof(child_fd)), ssize_t(sizeof(child_fd)));
  ::close(fds[0]);
  ASSERT_GE(child_fd, 0);
  const int pidfd = int(::syscall(SYS_pidfd_open, child, 0));
  ASSERT_GE(pidfd, 0);
  const int fd = int(::syscall(SYS_pidfd_getfd, pidfd, child_fd, 0));
  ASSERT_GE(fd, 0) << strerror(errno);
  seccomp_notif req;
  ASSERT_TRUE(receive(fd, req));
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  const auto r = path_.on_notification(container_, req, fd);
  EXPECT_EQ(r.kind, seccomp::Response::Kind::kContinue);
  EXPECT_TRUE(out_.log.empty()) << out_.log[0].what;
  ::close(fd);
  ::close(pidfd);
}

fanotify_event_metadata open_event(int fd) {
  fanotify_event_metadata m{};
  m.vers = FANOTIFY_METADATA_VERSION;
  m.mask = FAN_OPEN_PERM;
  m.fd = fd;
  m.pid = ::getpid();
  return m;
}

TEST_F(EventPathTest, AnOpenOfAProtectedFileIsDeniedWithItsAlertQueued) {
  const std::string file = tmp("/secret");
  ::close(::open(file.c_str(), O_CREAT | O_WRONLY, 0600));
  const int fd = ::open(file.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  const auto m = open_event(fd);
  const auto d = path_.on_file_event(container_, {m, &file, false});
  ::close(fd);
  EXPECT_EQ(d.outcome, fanotify::FanotifyGroup::Outcome::kDeny);
  EXPECT_FALSE(d.proof) << "a matched file is never offered to the cache";
  ASSERT_EQ(out_.alerts.size(), 1u);
  EXPECT_EQ(out_.alerts[0].rule, "Open of secret");
}

// What the group asks after the answer (whether the file may be cached) is asked of the
// rules the event was decided by, even when a reload came in between: the old rule set
// stays alive (ASan would report its use after free) and the new one is not consulted.
TEST_F(EventPathTest, TheCacheQuestionAfterAReloadUsesTheRulesTheEventWasDecidedBy) {
  const std::string file = tmp("/plain");
  ::close(::open(file.c_str(), O_CREAT | O_WRONLY, 0600));
  const int fd = ::open(file.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  const auto m = open_event(fd);
  auto d = path_.on_file_event(container_, {m, &file, false});
  EXPECT_EQ(d.outcome, fanotify::FanotifyGroup::Outcome::kAllowUnmatched);
  ASSERT_TRUE(d.proof);
  // The new rules match every open of this test's folder: were they asked, the file could
  // not be cached.
  path_.use_rules(compile(R"(
- rule: Any open here
  desc: d
  condition: evt.type in (open, openat) and fd.name startswith )" +
                          std::string(getenv("TEST_TMPDIR")) + R"(
  output: open %fd.name
  priority: WARNING
)"));
  const bool cacheable = d.proof->no_open_matches_file();
  const bool directory = d.proof->no_open_matches_directory(std::string(getenv("TEST_TMPDIR")));
  ::close(fd);
  EXPECT_TRUE(cacheable);
  EXPECT_FALSE(directory) << "a file of this folder may be named secret";
  EXPECT_EQ(d.proof->path(), file);
  EXPECT_TRUE(out_.log.empty());
}

// An allowed exec's proof is about the opens of the file it executes (the open event each
// exec raises too): what the cache needs to move its execs to those opens. An orphan's fd
// is a dead reader's: it gets no proof.
TEST_F(EventPathTest, AnUnmatchedExecIsOfferedWithAProofAboutItsFilesOpens) {
  const std::string prog = "/bin/true";
  const int fd = ::open(prog.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  auto m = open_event(fd);
  m.mask = FAN_OPEN_EXEC_PERM;
  const auto d = path_.on_file_event(container_, {m, &prog, false});
  EXPECT_EQ(d.outcome, fanotify::FanotifyGroup::Outcome::kAllowUnmatched);
  ASSERT_TRUE(d.proof);
  EXPECT_EQ(d.proof->path(), prog);
  EXPECT_TRUE(d.proof->no_open_matches_file()) << "no rule reads opens of /bin/true";
  EXPECT_FALSE(path_.on_file_event(container_, {m, &prog, true}).proof) << "an orphan";
  ::close(fd);
}

TEST_F(EventPathTest, AFileEventWhosePathWasLostIsAnsweredByTheFallbackWithAnAlert) {
  cfg_.permission_fallback_allow = false;
  fanotify_event_metadata m = open_event(-1);
  m.pid = 0x3fffffff;  // no such process: its arguments cannot be read either
  const auto d = path_.on_file_event(container_, {m, nullptr, true});
  EXPECT_EQ(d.outcome, fanotify::FanotifyGroup::Outcome::kDeny);
  ASSERT_EQ(out_.alerts.size(), 1u);
  EXPECT_EQ(out_.alerts[0].rule, "vigil: file event answered by the fallback after a restart");
}

}  // namespace
}  // namespace vigil::engine
