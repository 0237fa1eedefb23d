// Where a container came from, and Podman's storage records, as c/storage writes them.
#include "src/containers/container_metadata.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace vigil::containers {
namespace {

TEST(ContainerOrigin, FromTheBundlePathAndAnnotations) {
  auto o = origin_of("/run/containerd/io.containerd.runtime.v2.task/moby/abc", {});
  EXPECT_EQ(o.type, "docker");
  EXPECT_EQ(o.namespace_, "moby");
  o = origin_of("/tmp/x/cstate/io.containerd.runtime.v2.task/default/abc", {});
  EXPECT_EQ(o.type, "containerd");
  EXPECT_EQ(o.namespace_, "default");
  o = origin_of("/var/lib/containers/storage/overlay-containers/abc/userdata", {});
  EXPECT_EQ(o.type, "podman");
  EXPECT_EQ(o.storage, "/var/lib/containers/storage");
  o = origin_of("/run/b", {{"io.kubernetes.cri-o.ImageName", "nginx"}});
  EXPECT_EQ(o.type, "cri-o");
  o = origin_of("/run/b", {{"io.kubernetes.cri.container-name", "web"}});
  EXPECT_EQ(o.type, "containerd");
  EXPECT_EQ(origin_of("/tmp/bundle", {}).type, "");
}

TEST(PodmanMeta, NameImageAndDigestFromStorage) {
  const std::string containers = R"([
    {"id":"other","names":["x"],"image":"i0","metadata":"{}"},
    {"id":"abc","names":["web"],"image":"img1",
     "metadata":"{\"image-name\":\"localhost/vigil-busybox:1\",\"image-id\":\"img1\",\"name\":\"web\"}"}])";
  const std::string images = R"([
    {"id":"img1","digest":"sha256:feed","names":["localhost/vigil-busybox:1"]}])";
  const auto m = podman_meta("abc", containers, images);
  EXPECT_EQ(m.error, "");
  EXPECT_EQ(m.type, "podman");
  EXPECT_EQ(m.name, "web");
  EXPECT_EQ(m.image, "localhost/vigil-busybox:1");
  EXPECT_EQ(m.digest, "sha256:feed");
}

TEST(PodmanMeta, MissingOrBrokenFilesAreErrorsNotCrashes) {
  EXPECT_NE(podman_meta("abc", "", "").error, "");
  EXPECT_NE(podman_meta("abc", "{", "[").error, "");
  EXPECT_NE(podman_meta("abc", R"([{"id":"abc","metadata":"not json"}])", "").error, "");
  EXPECT_EQ(podman_meta("abc", R"([{"id":"abc","names":["n"],"metadata":7}])", "[1]").name, "n");
}

}  // namespace
}  // namespace vigil::containers

namespace vigil::containers {
namespace {

void write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

TEST(DockerFilesMeta, FromTheContainersFolderTheBundleMounts) {
  const std::string root = std::string(getenv("TEST_TMPDIR")) + "/docker";
  const std::string id = "0123456789abcdef";
  const std::string bundle = root + "/run/moby/" + id;
  write(bundle + "/config.json",
        R"({"mounts":[{"destination":"/etc/hosts","source":"/x"},
                       {"destination":"/etc/hostname","source":")" +
            root + "/containers/" + id + R"(/hostname"}]})");
  write(root + "/containers/" + id + "/config.v2.json",
        R"({"Name":"/web","Image":"sha256:img","Config":{"Image":"nginx:1.25"}})");
  write(root + "/image/overlay2/repositories.json",
        R"({"Repositories":{"nginx":{"nginx:1.25":"sha256:img","nginx@sha256:abc":"sha256:img",
            "nginx@sha256:other":"sha256:nope"}}})");
  const auto m = docker_files_meta(id, bundle);
  EXPECT_EQ(m.error, "");
  EXPECT_EQ(m.name, "web");
  EXPECT_EQ(m.image, "nginx:1.25");
  EXPECT_EQ(m.digest, "sha256:abc");
  // A bundle whose hostname mount is not this container's folder is not trusted.
  EXPECT_FALSE(docker_files_meta("ffff", bundle).known());
  EXPECT_FALSE(docker_files_meta(id, root + "/nonexistent").known());
}

}  // namespace
}  // namespace vigil::containers
