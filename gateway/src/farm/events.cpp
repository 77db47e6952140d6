#include "farm/events.h"

#include <algorithm>

namespace farm::gateway {

void EventHub::join(const std::shared_ptr<EventSink>& sink) {
    std::lock_guard lock(mutex_);
    sinks_.push_back(sink);
}

void EventHub::leave(const EventSink* sink) {
    std::lock_guard lock(mutex_);
    std::erase_if(sinks_, [sink](const std::weak_ptr<EventSink>& w) {
        auto s = w.lock();
        return !s || s.get() == sink;
    });
}

std::size_t EventHub::size() {
    std::lock_guard lock(mutex_);
    return sinks_.size();
}

void EventHub::publish(const Event& event) {
    // Copy under the lock, deliver outside it (chat-multi's shared_state::send).
    std::vector<std::weak_ptr<EventSink>> copy;
    {
        std::lock_guard lock(mutex_);
        copy = sinks_;
    }
    for (const auto& w : copy)
        if (auto s = w.lock()) s->deliver(event);
}

}  // namespace farm::gateway
