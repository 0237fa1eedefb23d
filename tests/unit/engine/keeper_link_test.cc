// keeper::Kept items travel with their fds' roles; items kept by an older engine (no roles) are
// read by their old layout.
#include "src/engine/keeper_link.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include "src/keeper/keeper_channel.h"

namespace vigil::engine {
namespace {

UniqueFd pipe_end() {
  int p[2];
  EXPECT_EQ(::pipe2(p, O_CLOEXEC), 0);
  ::close(p[1]);
  return UniqueFd(p[0]);
}

TEST(KeeperLink, AWatchKeptWithoutAJournalKeepsItsRootAsTheRoot) {
  UniqueFd group = pipe_end(), root = pipe_end();
  const KeepMessage m =
      encode_keep("fanotify/1/2", {{"id", "c1"}},
                  {{"group", group.get()}, {"journal", -1}, {"root", root.get()}});
  ASSERT_EQ(m.fds.size(), 2u);
  EXPECT_EQ(m.msg["meta"]["fds"], nlohmann::json({"group", "root"}));
  // What the keeper sends back: the same meta, the fds in the same order.
  nlohmann::json kept = {{"op", "kept"}, {"key", m.msg["key"]}, {"meta", m.msg["meta"]}};
  std::vector<UniqueFd> fds;
  fds.emplace_back(::dup(m.fds[0]));
  fds.emplace_back(::dup(m.fds[1]));
  const int root_copy = fds[1].get();
  auto item = decode_kept(kept, std::move(fds));
  ASSERT_TRUE(item);
  EXPECT_EQ(item->kind, KeptKind::kWatch);
  EXPECT_EQ(item->meta.value("id", ""), "c1");
  EXPECT_FALSE(item->take("journal"));
  UniqueFd r = item->take("root");
  EXPECT_EQ(r.get(), root_copy);
  EXPECT_TRUE(item->take("group"));
}

TEST(KeeperLink, ItemsWithoutRolesAreReadByTheOldLayout) {
  nlohmann::json kept = {{"op", "kept"}, {"key", "seccomp/9/1"}, {"meta", {{"id", "c"}}}};
  std::vector<UniqueFd> fds;
  fds.push_back(pipe_end());
  fds.push_back(pipe_end());
  auto item = decode_kept(kept, std::move(fds));
  ASSERT_TRUE(item);
  EXPECT_EQ(item->kind, KeptKind::kSession);
  EXPECT_TRUE(item->take("notify"));
  EXPECT_TRUE(item->take("journal"));
}

TEST(KeeperLink, UnknownKeysAndItemsWithoutFdsAreRefused) {
  std::vector<UniqueFd> fds;
  fds.push_back(pipe_end());
  EXPECT_FALSE(decode_kept({{"key", "mystery/1"}}, std::move(fds)));
  EXPECT_FALSE(decode_kept({{"key", "seccomp/1/1"}}, {}));
  EXPECT_FALSE(decode_kept("garbage", {}));
}

TEST(KeeperLink, KeepSendsOneMessageWithTheFdsInRoleOrder) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
  UniqueFd keeper_end(sv[1]);
  keeper::EngineLink link;
  link.channel = sv[0];
  std::vector<std::string> logged;
  KeeperLink k(link, [&](const std::string& m) { logged.push_back(m); });
  UniqueFd notify = pipe_end(), journal = pipe_end();
  const std::string key = k.keep(KeptKind::kSession, {{"id", "c2"}},
                                 {{"notify", notify.get()}, {"journal", journal.get()}});
  EXPECT_EQ(key.rfind("seccomp/", 0), 0u);
  nlohmann::json msg;
  std::vector<UniqueFd> fds;
  ASSERT_EQ(keeper::receive_message(keeper_end.get(), msg, fds), keeper::Received::kMessage);
  EXPECT_EQ(msg["op"], "keep");
  EXPECT_EQ(msg["key"], key);
  EXPECT_EQ(msg["meta"]["fds"], nlohmann::json({"notify", "journal"}));
  EXPECT_EQ(fds.size(), 2u);
  EXPECT_TRUE(logged.empty());
  ::close(sv[0]);
}

}  // namespace
}  // namespace vigil::engine
