// fd.* of sockets on the seccomp channel, from real connect, sendto and bind calls of a
// process under a NOTIFY filter: Falco's tuple fd.name, server and client ends, ports.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <set>

#include "src/fields/dns_cache.h"
#include "tests/unit/testing/load.h"
#include "tests/unit/testing/real_events.h"

namespace vigil::rules {
namespace {

TEST(SocketFields, ConnectSendtoAndBindGiveFalcosTupleAndEnds) {
  auto r = testing::load_yaml(R"(
- rule: Net
  desc: d
  condition: evt.type in (connect, sendto, bind) and fd.sockfamily = ip
  output: "%evt.type %fd.name sip=%fd.sip sport=%fd.sport cip=%fd.cip cport=%fd.cport lip=%fd.lip rport=%fd.rport port=%fd.port proto=%fd.l4proto type=%fd.type conn=%fd.connected changed=%fd.name_changed"
  priority: warning
- rule: Dns
  desc: fd.port as Falco's incubating rules use it, with a CIDR check
  condition: evt.type = sendto and fd.port in (53, 5353) and fd.snet in (127.0.0.0/8)
  output: dns %fd.name
  priority: notice
- rule: Unix
  desc: d
  condition: evt.type = connect and fd.type = unix
  output: "unix %fd.name"
  priority: notice
)");
  ASSERT_EQ(testing::errors(r), "");
  const std::string dir = std::string(getenv("TEST_TMPDIR"));
  const std::string abstract = "vigil-socket-test-" + std::to_string(getpid());
  const std::string script =
      "python3 -c '\n"
      "import socket, os\n"
      "s = socket.socket(); s.bind((\"127.0.0.1\", 0)); s.listen()\n"
      "port = s.getsockname()[1]\n"
      "open(\"" +
      dir +
      "/port\", \"w\").write(str(port))\n"
      "c = socket.socket(); c.connect((\"127.0.0.1\", port))\n"
      "u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
      "u.sendto(b\"x\", (\"127.0.0.1\", 5353))\n"
      "l = socket.socket(socket.AF_UNIX); l.bind(\"\\0" +
      abstract +
      "\"); l.listen()\n"
      "x = socket.socket(socket.AF_UNIX); x.connect(\"\\0" +
      abstract +
      "\")\n"
      "'";
  auto real =
      testing::capture_syscalls({"connect", "sendto", "bind"}, r.rules->fields_read(), script);
  ASSERT_EQ(real.error, "");
  ASSERT_EQ(real.exit_status, 0);
  std::string port;
  std::ifstream(dir + "/port") >> port;
  std::vector<std::string> lines;
  for (auto& e : real.events) {
    uint32_t out[4];
    const size_t n = r.rules->evaluate(e, out, 4);
    for (size_t i = 0; i < n; ++i) {
      std::string line = r.rules->format_output(out[i], e);
      // python's own lookups may connect to nscd: real, but not this test's
      if (line.rfind("unix /", 0) != 0) lines.push_back(std::move(line));
    }
  }
  const std::vector<std::string> want = {
      // bind names the local end, which serves; nothing is connected yet
      "bind 0.0.0.0:0->127.0.0.1:0 sip=127.0.0.1 sport=0 cip=<NA> cport=<NA> lip=127.0.0.1 "
      "rport=<NA> port=0 proto=tcp type=ipv4 conn=false changed=false",
      // connect: judged on entry, so the kernel has not picked the local port yet
      "connect 0.0.0.0:0->127.0.0.1:" + port + " sip=127.0.0.1 sport=" + port +
          " cip=0.0.0.0 cport=0 lip=0.0.0.0 rport=" + port + " port=" + port +
          " proto=tcp type=ipv4 conn=false changed=true",
      "sendto 0.0.0.0:0->127.0.0.1:5353 sip=127.0.0.1 sport=5353 cip=0.0.0.0 cport=0 "
      "lip=0.0.0.0 rport=5353 port=5353 proto=udp type=ipv4 conn=false changed=true",
      "dns 0.0.0.0:0->127.0.0.1:5353",
      "unix @" + abstract,  // an abstract name, as ss shows it
  };
  EXPECT_EQ(lines, want);
}

}  // namespace
}  // namespace vigil::rules

namespace vigil::rules {
namespace {

// fd.sip.name as Falco's rules use it: the names the rules compare it with are resolved
// (here: localhost, from /etc/hosts), and a connect to one of their addresses is named.
TEST(SocketFields, SipNameComesFromTheResolverCacheOfTheRulesNames) {
  auto r = testing::load_yaml(R"(
- rule: Api
  desc: as Falco's Contact K8S API Server From Container
  condition: evt.type = connect and fd.sip.name in (localhost, kubernetes.default.svc.cluster.local)
  output: "api %fd.sip.name %fd.sip"
  priority: notice
)");
  ASSERT_EQ(testing::errors(r), "");
  const auto names = r.rules->dns_names();
  EXPECT_EQ(names, (std::set<std::string>{"kubernetes.default.svc.cluster.local", "localhost"}));
  auto& cache = fields::DnsCache::instance();
  cache.watch(names);
  cache.refresh_now();
  ASSERT_EQ(cache.name_of("127.0.0.1").value_or("?"), "localhost");
  auto real = testing::capture_syscalls(
      {"connect"}, r.rules->fields_read(),
      "python3 -c 'import socket\n"
      "for a in (\"127.0.0.1\", \"127.0.0.2\"):\n"
      "  s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.connect((a, 9))\n'");
  ASSERT_EQ(real.error, "");
  std::vector<std::string> lines;
  for (auto& e : real.events) {
    uint32_t out[2];
    if (r.rules->evaluate(e, out, 2)) lines.push_back(r.rules->format_output(out[0], e));
  }
  // 127.0.0.2 resolves from no name a rule uses: unnamed, so no match.
  EXPECT_EQ(lines, std::vector<std::string>{"api localhost 127.0.0.1"});
}

}  // namespace
}  // namespace vigil::rules
