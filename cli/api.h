// The CLI's view of the gateway REST API: JSON in, JSON out, errors as exceptions with the
// gateway's own message.
#pragma once

#include <boost/json.hpp>
#include <string>

#include "commands.h"
#include "farm/transfer/http_client.h"
#include "farm/transfer/sync_client.h"

namespace farm::cli {

farm::transfer::Endpoint endpoint(const GatewayOptions& g);
std::filesystem::path cache_dir(const GatewayOptions& g);

class Api {
public:
    explicit Api(const GatewayOptions& g);

    boost::json::value get(const std::string& target);
    // By value: a range-for over get(...).as_array() would dangle.
    boost::json::array get_array(const std::string& target);
    boost::json::value post(const std::string& target, const boost::json::value& body = {});
    // Raw bytes of a GET (frames, movies); throws like the JSON calls on errors.
    std::string get_bytes(const std::string& target);

    const farm::transfer::Endpoint& endpoint() const { return endpoint_; }

private:
    farm::transfer::Endpoint endpoint_;
    farm::transfer::HttpConnection conn_;
};

// Validates a job id before it goes into a URL.
const std::string& checked_job_id(const std::string& id);

}  // namespace farm::cli
