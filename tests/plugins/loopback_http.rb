# The search sink stand-ins of the tests of dle's search plugins (test_out_dle_elasticsearch.rb,
# test_out_dle_opensearch.rb, test_in_dle_search_retention.rb): an HTTP server on 127.0.0.1, on a free port, that
# records every request and answers it as the sink it stands in for. Each test file's subclass says how (`route`).
require 'json'
require 'webrick'

class LoopbackHTTP
  # A request as it came: its query string as sent, one value per header (names in lower case), its body a String.
  Request = Struct.new(:method, :path, :query, :headers, :body)

  attr_reader :port

  def initialize
    @requests = []
    @mutex = Mutex.new
    @server = WEBrick::HTTPServer.new(BindAddress: '127.0.0.1', Port: 0, Logger: WEBrick::Log.new(File::NULL), AccessLog: [])
    # One request at a time, under the lock a test takes to change the stand-in's state (#synchronize).
    @server.mount_proc('/') { |req, res| synchronize { answer(req, res) } }
    @port = @server.config[:Port]
    @thread = Thread.new { @server.start }
  end

  def url
    "http://127.0.0.1:#{@port}"
  end

  def requests
    synchronize { @requests.dup }
  end

  def stop
    @server.shutdown
    @thread.join(5)
  end

  private

  def synchronize(&block)
    @mutex.synchronize(&block)
  end

  # [status, body] that the stand-in answers to a Request; the body is sent as JSON.
  def route(request)
    raise NotImplementedError, "#{self.class} answers nothing"
  end

  # The headers of every answer besides its Content-Type.
  def headers
    {}
  end

  def answer(req, res)
    request = Request.new(req.request_method, req.path, req.query_string, req.header.transform_values(&:first), req.body.to_s)
    @requests << request
    res.status, body = route(request)
    headers.merge('Content-Type' => 'application/json').each { |name, value| res[name] = value }
    res.body = JSON.generate(body)
  end
end

# Elasticsearch or OpenSearch as dle's search outputs use it: the client's check of the version (GET /, which the
# including class answers with `about`), the index template that exists, every document of a bulk request indexed.
module LoopbackBulk
  # The documents of every bulk request, each [action, source].
  def bulk_documents
    requests.select { |r| r.method == 'POST' && r.path == '/_bulk' }
            .flat_map { |r| r.body.lines.map { |line| JSON.parse(line) }.each_slice(2).to_a }
  end

  private

  def route(request)
    case request.path
    when '/' then [200, about]
    when '/_bulk'
      items = request.body.lines.each_slice(2).map { |action, _| { 'index' => JSON.parse(action)['index'].merge('status' => 201) } }
      [200, { 'took' => 1, 'errors' => false, 'items' => items }]
    else [200, {}]
    end
  end
end
