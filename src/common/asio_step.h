// One asynchronous Asio step run to its end on a private io_context, for code on a thread
// of its own that wants synchronous calls with deadlines (Asio's synchronous calls have
// none). The step's own deadline (a Beast stream's expires_after) normally ends it; if it
// has none (a resolver), `close` is called after `limit` and the step's cancellation waited
// for.
#pragma once

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <optional>

namespace vigil {

template <class Start, class Close>
boost::system::error_code run_step(boost::asio::io_context& io, std::chrono::milliseconds limit,
                                   Start&& start, Close&& close) {
  std::optional<boost::system::error_code> result;
  start([&result](const boost::system::error_code& e, auto&&...) { result = e; });
  io.restart();
  io.run_for(limit);
  if (!result) {
    close();
    io.restart();
    io.run();
    return boost::asio::error::timed_out;
  }
  return *result;
}

}  // namespace vigil
