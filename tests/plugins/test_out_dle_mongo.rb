require_relative 'helper'
require_dle_plugin('out_dle_mongo')

# dle_mongo (fluentd/plugins/out_dle_mongo.rb): what reaches the server is byte for byte what fluent-plugin-mongo's
# own output sends (the driver's OP_MSG for the insert, built from each), each document is encoded once, a refused
# document (a duplicate _id from a resent chunk) is logged and skipped as upstream does, and configure refuses a
# driver or plugin whose internals changed.
class DleMongoOutputTest < Test::Unit::TestCase
  include DlePluginTestHelpers

  # A collection that keeps what insert_many was given, or raises `error`.
  class RecordingCollection
    attr_reader :inserts

    def initialize(error = nil)
      @inserts = []
      @error = error
    end

    def insert_many(documents, options)
      @inserts << [documents, options]
      raise @error if @error
    end
  end

  CONFIG = %(
    connection_string mongodb://127.0.0.1:1/applogs
    collection docker
    ordered false
    <inject>
      time_key @timestamp
      hostname_key forwarder
      hostname primary
    </inject>
  ).freeze

  TIME = Fluent::EventTime.new(1_760_000_000, 123_000_000)
  RECORDS = [
    { '_id' => 'e1', 'event_id' => 'e1', 'log_type' => 'nginx_access', 'status' => 200, 'nested' => { 'a' => [1, 'two'] } },
    { '_id' => 'e2', 'event_id' => 'e2', 'log_type' => 'app', 'big' => 2**63, 'message' => "caf\u00e9" },
  ].freeze

  setup do
    Fluent::Test.setup
  end

  # The driver configured, with its store replaced by `collection`.
  def driver(plugin, collection, conf = CONFIG)
    d = Fluent::Test::Driver::Output.new(plugin).configure(conf)
    d.instance.define_singleton_method(:get_collection) { |*_| collection }
    d
  end

  def run_with(plugin, collection, records = RECORDS)
    d = driver(plugin, collection)
    d.run(default_tag: 'docker.webapp') { records.each { |r| d.feed(TIME, r) } }
    d
  end

  # The OP_MSG bytes the driver would write for an insert of `documents` (request id fixed, as only it differs).
  def wire(documents)
    section = Mongo::Protocol::Msg::Section1.new('documents', documents)
    message = Mongo::Protocol::Msg.new([], {}, { insert: 'docker', '$db' => 'applogs', ordered: false }, section)
    message.instance_variable_set(:@request_id, 1)
    message.serialize(BSON::ByteBuffer.new, 16 * 1024 * 1024).to_s
  end

  test 'sends the same insert, byte for byte, as fluent-plugin-mongo with the same ordered option' do
    ours = RecordingCollection.new
    theirs = RecordingCollection.new
    run_with(Fluent::Plugin::DleMongoOutput, ours)
    run_with(Fluent::Plugin::MongoOutput, theirs)
    assert_equal [{ ordered: false }], ours.inserts.map(&:last)
    assert_equal theirs.inserts.map(&:last), ours.inserts.map(&:last)
    assert_equal wire(theirs.inserts[0][0]), wire(ours.inserts[0][0])
    stored = ours.inserts[0][0].map { |doc| BSON::Document.from_bson(BSON::ByteBuffer.new(doc.to_bson.to_s)) }
    assert_equal %w[e1 e2], stored.map { |doc| doc['_id'] }
    assert_equal %w[primary primary], stored.map { |doc| doc['forwarder'] }
    assert_equal TIME.to_time.to_i, stored[0]['@timestamp'].to_i
    assert_kind_of BSON::Decimal128, stored[1]['big']
  end

  test 'encodes each document once, however often the driver asks for its BSON' do
    collection = RecordingCollection.new
    encodings = 0
    counting = Module.new do
      define_method(:to_bson) do |*args|
        encodings += 1 if key?('event_id')
        super(*args)
      end
    end
    Hash.prepend(counting)
    begin
      run_with(Fluent::Plugin::DleMongoOutput, collection)
      before = encodings
      documents = collection.inserts[0][0]
      3.times { wire(documents) }
      assert_equal 0, encodings - before, 'the driver encoded a document again'
      assert_equal RECORDS.size, before
    ensure
      counting.send(:remove_method, :to_bson)
    end
  end

  test 'the driver reads the id of each document without encoding it, and one without an _id gets one' do
    collection = RecordingCollection.new
    run_with(Fluent::Plugin::DleMongoOutput, collection, [{ 'event_id' => 'x' }, RECORDS[0]])
    documents = collection.inserts[0][0]
    generated = documents[0].id
    assert_kind_of BSON::ObjectId, generated
    assert_equal generated, BSON::Document.from_bson(BSON::ByteBuffer.new(documents[0].to_bson.to_s))['_id']
    # The bulk write insert_many makes, ordered and not, takes them as they are.
    requests = documents.map { |doc| { insert_one: doc } }
    [Mongo::BulkWrite::UnorderedCombiner, Mongo::BulkWrite::OrderedCombiner].each do |combiner|
      combined = combiner.new(requests).combine
      assert_equal [[:insert_one, documents.map(&:object_id)]], combined.map { |op| [op.keys.first, op.values.first.map(&:object_id)] }
    end
    # The operation the driver sends an insert with: its ids are the documents' own, and no document was copied.
    op = Mongo::Operation::Insert::OpMsg.new(documents: documents)
    assert_equal documents.map(&:object_id), op.documents.map(&:object_id)
    assert_equal [generated, 'e1'], op.instance_variable_get(:@ids)
  end

  test 'a refused document (a duplicate _id) is logged and skipped, as upstream, without failing the chunk' do
    # As the driver's BulkWrite::ResultCombiner reports an unordered insert of which one document was refused.
    error = Mongo::Error::BulkWriteError.new({ 'n_inserted' => 1, 'writeErrors' => [{ 'index' => 1, 'code' => 11_000, 'errmsg' => 'E11000 duplicate key' }] })
    d = run_with(Fluent::Plugin::DleMongoOutput, RecordingCollection.new(error))
    assert_equal 0, d.instance.num_errors
    assert_true(d.logs.any? { |line| line.include?('1 documents are not inserted') })
  end

  test 'refuses key rewriting, which it cannot do on encoded documents' do
    error = assert_raise(Fluent::ConfigError) do
      Fluent::Test::Driver::Output.new(Fluent::Plugin::DleMongoOutput).configure("#{CONFIG}\nreplace_dot_in_key_with _")
    end
    assert_match(/does not rewrite keys/, error.message)
  end

  sub_test_case 'internals check at configure' do
    test 'finds every internal it relies on in these gems' do
      assert_equal [], DleInternals.missing(Fluent::Plugin::DleMongoOutput::INTERNALS)
    end

    test 'refuses to start, naming what is missing, when the upstream plugin changed' do
      error = changing_method(Fluent::Plugin::MongoOutput, :collect_records) do
        assert_raise(Fluent::ConfigError) { Fluent::Test::Driver::Output.new(Fluent::Plugin::DleMongoOutput).configure(CONFIG) }
      end
      assert_match(/no longer has .*: MongoOutput#collect_records\(chunk\) and #replace_value_of_hash \(private\)\z/, error.message)
      assert_equal [], DleInternals.missing(Fluent::Plugin::DleMongoOutput::INTERNALS)
    end

    test 'names a driver whose bulk write no longer takes raw BSON' do
      error = changing_method(Mongo::BulkWrite::Validatable, :validate_document, ->(name, doc) { raise Mongo::Error::InvalidBulkOperation.new(name, doc) unless doc.respond_to?(:keys) }) do
        assert_raise(Fluent::ConfigError) { Fluent::Test::Driver::Output.new(Fluent::Plugin::DleMongoOutput).configure(CONFIG) }
      end
      assert_match(/Validatable#validate_document accepts raw BSON/, error.message)
    end

    test 'names a driver whose document serializer no longer calls to_bson' do
      serializer = Mongo::Protocol::Serializers::Document.singleton_class
      error = changing_method(serializer, :serialize, ->(buffer, value, *_) { buffer.put_bytes(value.to_s) }) do
        assert_raise(Fluent::ConfigError) { Fluent::Test::Driver::Output.new(Fluent::Plugin::DleMongoOutput).configure(CONFIG) }
      end
      assert_match(/Serializers::Document\.serialize calls to_bson/, error.message)
    end
  end
end
