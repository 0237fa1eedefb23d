// Hand-over between two keepers: a `vigil daemon` started while another runs on the same
// sockets takes over everything the running one holds (the two listening sockets and every
// kept session, watch and journal), and the old one exits. This is what makes a restart or
// a roll-out safe: the fds never have no holder, so containers wait instead of failing.
//
// The running keeper listens on handover_socket_path(cfg) (SOCK_SEQPACKET, root only):
//   successor → running: {"op":"take-over","pid":N}
//   running: stops its engine (its decisions are whole: nothing is half answered; what it
//            had received but not answered is in the journals the successor gets)
//   running → successor: {"op":"sockets"} + [listener, control] or [listener, control, web]
//                        {"op":"kept","key":K,"meta":M} + fds, for each item
//                        {"op":"ready"}
//   successor → running: {"op":"done"}; the running keeper exits. Without "done" (the
//            successor died), it keeps everything and starts an engine again.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "src/common/unique_fd.h"
#include "src/config/config.h"

namespace vigil::keeper {

// One item the keeper holds for the engines, as the engine described it.
struct Kept {
  nlohmann::json meta;
  std::vector<UniqueFd> fds;
};
using KeptItems = std::map<std::string, Kept>;

// Sends each kept item as {"op":"kept","key":K,"meta":M} with its fds: to a new engine,
// and to a successor keeper. Returns how many went.
size_t send_kept(int sock, const KeptItems& kept);

// Next to the control socket: /run/vigil/handover.sock by default.
std::string handover_socket_path(const config::Config& cfg);

// The listening sockets a keeper holds for its engines: the runtimes' listener, the control
// socket and, with the webserver enabled, its TCP socket (else -1).
struct ListeningFds {
  int listener = -1, control = -1, web = -1;
};

// What a successor took over.
struct TakenOver {
  UniqueFd listener, control, web;
  KeptItems kept;
  pid_t from = 0;
};

// The successor's side. nullopt with `error` empty: nobody to take over from (no keeper
// listens there); with `error` set: one was there and the hand-over failed (it keeps
// everything and goes on serving).
std::optional<TakenOver> take_over(const config::Config& cfg, std::string& error);

// The running keeper's side, once its engine is stopped: sends everything and waits for
// the successor's "done". False if the successor is gone (nothing was given away).
bool hand_over(int conn, const ListeningFds& sockets, const KeptItems& kept);

// Reads a successor's "take-over" request on a freshly accepted connection; its pid or 0.
pid_t read_take_over(int conn);

// The same hand-over through systemd's file descriptor store (systemd.h), for
// `systemctl restart`, where systemd starts the successor only after this one exits:
// every fd goes into the store under a name, and what each is (key, meta, role) into
// fdstore.json next to the control socket. False (with `error`) if systemd refused one:
// the caller then falls back to waiting for a successor.
bool store_in_systemd(const config::Config& cfg, const ListeningFds& sockets, const KeptItems& kept,
                      std::string& error);
// The next start takes them back from the fds systemd passed, and empties the store.
// nullopt if systemd passed none of vigil's.
std::optional<TakenOver> take_from_systemd(const config::Config& cfg, std::string& error);

}  // namespace vigil::keeper
