// The live side of the event stream, after Beast's chat-multi shared_state: sinks (the
// WebSocket sessions) join and leave; publish copies weak pointers under the lock and
// delivers outside it, so a slow or dying session never blocks the engine.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace farm::gateway {

struct Event {
    std::int64_t seq = 0;
    std::string tenant;               // "*" for worker events: every tenant sees them
    std::optional<std::string> job;   // absent for worker events
    std::shared_ptr<const std::string> text;  // the serialized JSON message
};

class EventSink {
  public:
    virtual ~EventSink() = default;
    // Called from any thread; the sink filters and queues on its own strand.
    virtual void deliver(const Event& event) = 0;
};

class EventHub {
  public:
    void join(const std::shared_ptr<EventSink>& sink);
    void leave(const EventSink* sink);
    void publish(const Event& event);
    std::size_t size();

  private:
    std::mutex mutex_;
    std::vector<std::weak_ptr<EventSink>> sinks_;
};

}  // namespace farm::gateway
