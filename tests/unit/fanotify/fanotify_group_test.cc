// FanotifyGroup on a real tmpfs mount: answers, the watchdog's fallback for a stuck
// handler, and the decision cache. Needs root (mount, fanotify).
#include "src/fanotify/fanotify_group.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>
#include <vector>

namespace vigil::fanotify {
namespace {

class Mounted : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vigil-fgt.XXXXXX";
    dir_ = mkdtemp(tmpl);
    ASSERT_EQ(mount("tmpfs", dir_.c_str(), "tmpfs", 0, "size=1m"), 0) << "needs root";
    std::ofstream(dir_ + "/file") << "x";
  }
  void TearDown() override {
    umount2(dir_.c_str(), MNT_DETACH);
    std::filesystem::remove_all(dir_);
  }
  // Opens the file in another thread while `io` runs; returns {errno or 0, ms taken}.
  // Opens the file from a child process (a group allows its own process's accesses)
  // while `io` runs; returns {errno or 0, ms the open took in the child}.
  std::pair<int, double> open_while_running(boost::asio::io_context& io,
                                            const std::string& name = "file") {
    int timing[2];
    if (pipe(timing) != 0) return {-1, 0};
    pid_t child = fork();
    if (child == 0) {
      auto start = std::chrono::steady_clock::now();
      int fd = ::open((dir_ + "/" + name).c_str(), O_RDONLY);
      double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count();
      if (::write(timing[1], &ms, sizeof(ms)) != sizeof(ms)) _exit(255);
      _exit(fd < 0 ? errno : 0);
    }
    ::close(timing[1]);
    int status = 0;
    while (waitpid(child, &status, WNOHANG) == 0) io.run_for(std::chrono::milliseconds(5));
    double ms = -1;
    if (::read(timing[0], &ms, sizeof(ms)) != sizeof(ms)) ms = -1;
    ::close(timing[0]);
    return {WEXITSTATUS(status), ms};
  }
  // Runs a shell command in a child (its opens on the mount wait for this io loop).
  int run_while_running(boost::asio::io_context& io, const std::string& command) {
    pid_t child = fork();
    if (child == 0) {
      execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    int status = 0;
    while (waitpid(child, &status, WNOHANG) == 0) io.run_for(std::chrono::milliseconds(5));
    return WEXITSTATUS(status);
  }
  std::string dir_;
};

// What the rules would prove, set by the test.
struct FakeProof final : CacheProof {
  std::optional<std::string> file_path;
  bool file = false, dir = false;
  static std::shared_ptr<FakeProof> file_only() {
    auto p = std::make_shared<FakeProof>();
    p->file = true;
    return p;
  }
  static std::shared_ptr<FakeProof> directory(const std::string& path) {
    auto p = std::make_shared<FakeProof>();
    p->file_path = path;
    p->dir = true;
    return p;
  }
  static std::shared_ptr<FakeProof> nothing() { return std::make_shared<FakeProof>(); }
  const std::optional<std::string>& path() const override { return file_path; }
  bool no_open_matches_file() const override { return file; }
  bool no_open_matches_directory(const std::string&) const override { return dir; }
};

FanotifyGroup::Decision unmatched(std::shared_ptr<const CacheProof> proof) {
  FanotifyGroup::Decision d;
  d.outcome = FanotifyGroup::Outcome::kAllowUnmatched;
  d.proof = std::move(proof);
  return d;
}

TEST_F(Mounted, DenyAndAllowReachTheOpener) {
  boost::asio::io_context io;
  std::string error;
  bool allow = false;
  auto g = FanotifyGroup::create(
      io,
      [&](const FanotifyGroup::Input&) {
        FanotifyGroup::Decision d;
        d.outcome = allow ? FanotifyGroup::Outcome::kAllow : FanotifyGroup::Outcome::kDeny;
        return d;
      },
      error);
  ASSERT_TRUE(g) << error;
  ASSERT_TRUE(g->mark_mount(dir_, FAN_OPEN_PERM, error)) << error;
  g->start();
  EXPECT_EQ(open_while_running(io).first, EPERM);
  allow = true;
  EXPECT_EQ(open_while_running(io).first, 0);
  g->stop();
  io.poll();
}

TEST_F(Mounted, TheWatchdogAnswersAStuckHandler) {
  boost::asio::io_context io;
  std::string error;
  std::atomic<int> fallbacks{0};
  PermissionWatchdog watchdog(std::chrono::milliseconds(200), /*allow=*/false,
                              [&](int64_t) { ++fallbacks; });
  auto g = FanotifyGroup::create(
      io,
      [&](const FanotifyGroup::Input&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // stuck
        return FanotifyGroup::Decision{};
      },
      error);
  ASSERT_TRUE(g) << error;
  ASSERT_TRUE(g->mark_mount(dir_, FAN_OPEN_PERM, error)) << error;
  watchdog.watch(g->in_flight());
  g->start();
  // The opener gets the watchdog's fallback (deny here) long before the handler returns.
  auto [err, ms] = open_while_running(io);
  EXPECT_EQ(err, EPERM) << "the fallback answer";
  EXPECT_LT(ms, 1000) << "answered by the watchdog, not the stuck handler";
  EXPECT_GE(ms, 150);
  EXPECT_EQ(fallbacks.load(), 1);
  g->stop();
  io.poll();
}

TEST_F(Mounted, CachedFilesNoLongerReachTheHandler) {
  boost::asio::io_context io;
  std::string error;
  int seen = 0;
  auto g = FanotifyGroup::create(
      io,
      [&](const FanotifyGroup::Input&) {
        ++seen;
        return unmatched(FakeProof::file_only());
      },
      error);
  ASSERT_TRUE(g) << error;
  ASSERT_TRUE(g->mark_mount(dir_, FAN_OPEN_PERM, error)) << error;
  g->start();
  EXPECT_EQ(open_while_running(io).first, 0);
  EXPECT_EQ(seen, 1);
  EXPECT_EQ(g->cache().files(), 1u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(open_while_running(io).first, 0);
  EXPECT_EQ(seen, 1) << "later opens stayed in the kernel";
  g->cache().clear();
  EXPECT_EQ(open_while_running(io).first, 0);
  EXPECT_EQ(seen, 2) << "after a reload the file is judged again";
  EXPECT_EQ(g->cache().files(), 1u);
  // A rename or link is under way in the container (fanotify/rename_barrier.h).
  g->cache().hold(true);
  EXPECT_EQ(g->cache().files(), 0u) << "holding forgets what was cached";
  for (int i = 0; i < 3; ++i) EXPECT_EQ(open_while_running(io).first, 0);
  EXPECT_EQ(seen, 5) << "while held, every open is judged and nothing is cached";
  EXPECT_EQ(g->cache().files(), 0u);
  g->cache().hold(false);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(open_while_running(io).first, 0);
  EXPECT_EQ(seen, 6) << "released: cached again on the next open";
  g->stop();
  io.poll();
}

// An exec's open is reported twice (FAN_OPEN_EXEC_PERM, then FAN_OPEN_PERM). A file whose
// exec events the handler lets move goes into the exec ignore mask, and only its open
// events come; a group whose mounts are not marked for opens keeps its exec events.
TEST_F(Mounted, ExecEventsMoveToOpensOnlyWhereOpensAreMarked) {
  ASSERT_EQ(::mount(nullptr, dir_.c_str(), nullptr, MS_REMOUNT, "size=4m"), 0);
  std::filesystem::copy_file("/bin/true", dir_ + "/prog");
  for (const uint64_t mask :
       {uint64_t(FAN_OPEN_EXEC_PERM), uint64_t(FAN_OPEN_EXEC_PERM | FAN_OPEN_PERM)}) {
    boost::asio::io_context io;
    std::string error;
    int execs = 0, opens = 0;
    auto g = FanotifyGroup::create(
        io,
        [&](const FanotifyGroup::Input& in) {
          (in.m.mask & FAN_OPEN_EXEC_PERM ? execs : opens)++;
          return unmatched(FakeProof::nothing());
        },
        error);
    ASSERT_TRUE(g) << error;
    g->cache().set_scope(CacheScope::kOff);  // no open is ever cached: execs may move
    ASSERT_TRUE(g->mark_mount(dir_, mask, error)) << error;
    g->start();
    for (int i = 0; i < 3; ++i) EXPECT_EQ(run_while_running(io, dir_ + "/prog"), 0);
    if (mask & FAN_OPEN_PERM) {
      EXPECT_EQ(g->cache().execs_on_open(), 1u);
      EXPECT_EQ(execs, 1) << "after the first exec, only its open events come";
      EXPECT_GE(opens, 3);
      g->cache().clear();
      EXPECT_EQ(run_while_running(io, dir_ + "/prog"), 0);
      EXPECT_EQ(execs, 2) << "a flush moves it back";
    } else {
      EXPECT_EQ(g->cache().execs_on_open(), 0u) << "no open events would come";
      EXPECT_EQ(execs, 3);
    }
    g->stop();
    io.poll();
  }
}

// The container path of an event's file: the mount is the container's root here.
std::string container_path(int fd, const std::string& root) {
  char buf[4096];
  ssize_t n = ::readlink(("/proc/self/fd/" + std::to_string(fd)).c_str(), buf, sizeof(buf));
  std::string p = n > 0 ? std::string(buf, size_t(n)) : std::string();
  return p.compare(0, root.size(), root) == 0 ? p.substr(root.size()) : p;
}

TEST_F(Mounted, CachedDirectoriesKeepAllTheirFilesInTheKernel) {
  std::filesystem::create_directory(dir_ + "/sub");
  for (const char* f : {"a", "b", "sub/c"}) std::ofstream(dir_ + "/" + f) << "x";
  boost::asio::io_context io;
  std::string error;
  std::vector<std::string> seen;
  auto g = FanotifyGroup::create(
      io,
      [&](const FanotifyGroup::Input& in) {
        seen.push_back(container_path(in.m.fd, dir_));
        return unmatched(FakeProof::directory(seen.back()));
      },
      error);
  ASSERT_TRUE(g) << error;
  g->cache().set_settle(false);  // the directory's own mask, as it is until it settles
  g->cache().set_root(UniqueFd(::open(dir_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)));
  ASSERT_TRUE(g->mark_mount(dir_, FAN_OPEN_PERM, error)) << error;
  g->start();
  EXPECT_EQ(open_while_running(io, "file").first, 0);
  ASSERT_EQ(seen, (std::vector<std::string>{"/file"}));
  EXPECT_EQ(g->cache().directories(), 1u);
  EXPECT_EQ(open_while_running(io, "a").first, 0);
  EXPECT_EQ(open_while_running(io, "b").first, 0);
  std::ofstream(dir_ + "/created-later") << "x";
  EXPECT_EQ(open_while_running(io, "created-later").first, 0);
  EXPECT_EQ(seen.size(), 1u) << "files of a cached directory stay in the kernel";
  EXPECT_EQ(open_while_running(io, "sub/c").first, 0);
  EXPECT_EQ(seen.size(), 2u) << "a subdirectory is judged on its own";
  EXPECT_EQ(g->cache().directories(), 2u);
  g->cache().clear();
  EXPECT_EQ(open_while_running(io, "a").first, 0);
  EXPECT_EQ(seen.size(), 3u) << "after a reload the directory is judged again";
  g->stop();
  io.poll();
}

TEST_F(Mounted, ACachedDirectorySettlesIntoItsFilesOwnMasks) {
  std::filesystem::create_directory(dir_ + "/sub");
  for (const char* f : {"a", "b", "sub/c"}) std::ofstream(dir_ + "/" + f) << "x";
  std::filesystem::create_hard_link(dir_ + "/sub/c", dir_ + "/sub/c2");
  boost::asio::io_context io;
  std::string error;
  std::vector<std::string> seen;
  auto g = FanotifyGroup::create(
      io,
      [&](const FanotifyGroup::Input& in) {
        seen.push_back(container_path(in.m.fd, dir_));
        return unmatched(FakeProof::directory(seen.back()));
      },
      error);
  ASSERT_TRUE(g) << error;
  g->cache().set_root(UniqueFd(::open(dir_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)));
  ASSERT_TRUE(g->mark_mount(dir_, FAN_OPEN_PERM, error)) << error;
  g->start();
  EXPECT_EQ(open_while_running(io, "file").first, 0);
  io.poll();  // the settling runs once the io thread is free
  EXPECT_EQ(g->cache().directories(), 0u);
  EXPECT_EQ(g->cache().settled_directories(), 1u);
  EXPECT_EQ(g->cache().files(), 3u) << "file, a and b have masks of their own; sub is not a file";
  EXPECT_EQ(open_while_running(io, "a").first, 0);
  EXPECT_EQ(open_while_running(io, "b").first, 0);
  EXPECT_EQ(open_while_running(io, "file").first, 0);
  EXPECT_EQ(seen.size(), 1u) << "settled files stay in the kernel";
  // A file created since is judged (the directory's mask is gone), then cached on its own
  // (once its writer is done: a write clears a file's mask).
  EXPECT_EQ(run_while_running(io, "echo x > " + dir_ + "/later"), 0);
  EXPECT_EQ(open_while_running(io, "later").first, 0);
  EXPECT_EQ(seen[1], "/later");
  const size_t judged = seen.size();
  EXPECT_EQ(open_while_running(io, "later").first, 0);
  EXPECT_EQ(seen.size(), judged) << "a file of a settled directory is cached as a file";
  EXPECT_EQ(g->cache().settled_directories(), 1u) << "not settled twice";
  // A directory with a hard-linked file keeps its own mask: the link's other name must
  // not share an ignore mask.
  EXPECT_EQ(open_while_running(io, "sub/c").first, 0);
  io.poll();
  EXPECT_EQ(g->cache().directories(), 1u);
  EXPECT_EQ(g->cache().settled_directories(), 1u);
  g->cache().clear();
  EXPECT_EQ(g->cache().settled_directories(), 0u);
  const size_t before_reload = seen.size();
  EXPECT_EQ(open_while_running(io, "a").first, 0);
  EXPECT_EQ(seen.size(), before_reload + 1) << "after a reload the files are judged again";
  g->stop();
  io.poll();
}

TEST_F(Mounted, ADirectoryIsCachedOnlyIfItsPathLeadsToTheEventsFileWithoutSymlinks) {
  std::ofstream(dir_ + "/other") << "y";
  std::filesystem::create_directory(dir_ + "/real");
  std::ofstream(dir_ + "/real/f") << "z";
  std::filesystem::create_directory_symlink("real", dir_ + "/link");
  boost::asio::io_context io;
  std::string error;
  int seen = 0;
  std::string claimed;
  auto g = FanotifyGroup::create(
      io,
      [&](const FanotifyGroup::Input&) {
        ++seen;
        return unmatched(FakeProof::directory(claimed));
      },
      error);
  ASSERT_TRUE(g) << error;
  g->cache().set_root(UniqueFd(::open(dir_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)));
  ASSERT_TRUE(g->mark_mount(dir_, FAN_OPEN_PERM, error)) << error;
  g->start();
  claimed = "/other";  // a name that belongs to another file: the path was raced
  EXPECT_EQ(open_while_running(io, "file").first, 0);
  claimed = "/link/f";  // the right file, but reached through a symlink
  EXPECT_EQ(open_while_running(io, "real/f").first, 0);
  claimed = "relative";
  EXPECT_EQ(open_while_running(io, "other").first, 0);
  EXPECT_EQ(g->cache().directories(), 0u);
  // The directory's proof covers its file: each of the first two is cached on its own.
  EXPECT_EQ(g->cache().files(), 2u);
  EXPECT_EQ(seen, 3);
  g->stop();
  io.poll();
}

TEST_F(Mounted, ASuccessorAnswersEventsADeadReaderRead) {
  // The "dead engine": its group reads an event into the journal (with the file's path),
  // then nothing more, as if SIGKILLed before answering. The keeper's copies of the group
  // fd and the journal keep the opener waiting.
  int group =
      ::fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_UNLIMITED_QUEUE, O_RDONLY | O_CLOEXEC);
  ASSERT_GE(group, 0);
  ASSERT_EQ(
      ::fanotify_mark(group, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN_PERM, AT_FDCWD, dir_.c_str()),
      0);
  EventJournal dead = EventJournal::create();
  ASSERT_TRUE(dead.valid());
  UniqueFd journal_copy(::fcntl(dead.fd(), F_DUPFD_CLOEXEC, 0));
  pid_t child = fork();
  if (child == 0) {
    int fd = ::open((dir_ + "/file").c_str(), O_RDONLY);
    _exit(fd < 0 ? errno : 0);
  }
  dead.begin_batch();
  ssize_t n = ::read(group, dead.buffer(), EventJournal::buffer_size());
  ASSERT_EQ(n, ssize_t(FAN_EVENT_METADATA_LEN));
  auto* m = reinterpret_cast<fanotify_event_metadata*>(dead.buffer());
  dead.set_path(0, dir_ + "/file");
  ::close(m->fd);  // the dead reader's fd table goes with it
  usleep(100000);
  int status = 0;
  EXPECT_EQ(waitpid(child, &status, WNOHANG), 0) << "the opener waits for an answer";

  boost::asio::io_context io;
  std::string error, seen_path;
  bool orphan = false;
  auto g = FanotifyGroup::adopt(
      io, UniqueFd(group),
      [&](const FanotifyGroup::Input& in) {
        orphan = in.orphan;
        seen_path = in.path ? *in.path : "";
        FanotifyGroup::Decision d;
        d.outcome = FanotifyGroup::Outcome::kDeny;
        return d;
      },
      error);
  ASSERT_TRUE(g) << error;
  g->use_journal(EventJournal::adopt(std::move(journal_copy)));
  EXPECT_EQ(g->recover_orphans(), 1u);
  EXPECT_TRUE(orphan);
  EXPECT_EQ(seen_path, dir_ + "/file") << "decided from the journaled path";
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_EQ(WEXITSTATUS(status), EPERM) << "the successor's answer reached the opener";
  EXPECT_EQ(g->recover_orphans(), 0u) << "nothing left";
  g->stop();
  io.poll();
}

}  // namespace
}  // namespace vigil::fanotify
