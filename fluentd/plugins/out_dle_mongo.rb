# dle_mongo: fluent-plugin-mongo's output with each document encoded to BSON once. The forwarder's store sink.
#
# Why: for every insert_many, the mongo driver (2.18) turns each document into BSON three times (once to check the
# message size under a session, once for each document's maxBsonObjectSize check, once on the wire) and copies each
# into a BSON::Document for the command-monitoring event: a quarter of the forwarder's CPU in the profile. Here each
# record is encoded once, as the upstream plugin prepared it (inject, @timestamp as a BSON date, big integers as
# Decimal128), and handed to the driver as an EncodedDocument whose to_bson appends those bytes: every later encoding
# is a copy, and the monitoring event holds the object as it is. What the server receives is byte for byte what the
# upstream plugin sends, with the same insert_many (ordered as configured) and the same handling of a refused document
# (a duplicate _id from a resent chunk: logged and skipped, nothing inserted twice) or a too-large one.
#
# It relies on the upstream plugin's and the driver's internals; `configure` checks that each is there and refuses to
# start, naming what is missing, on versions that changed them (tests/plugins/test_out_dle_mongo.rb).
require 'fluent/plugin/out_mongo'
require_relative 'dle_internals'
require 'fluent/version'

module Fluent::Plugin
  class DleMongoOutput < MongoOutput
    Fluent::Plugin.register_output('dle_mongo', self)

    # A record already encoded. The driver asks a document only whether it is one (BulkWrite::Validatable: a Hash, or
    # raw BSON with `data`), for its id (Operation::Idable#id: `doc.id` where it has one) and for its BSON
    # (Protocol::Serializers::Document and Msg#validate_document_size!: `to_bson`).
    class EncodedDocument
      attr_reader :id

      def initialize(record)
        # The driver gives a document without an _id a new ObjectId; here before encoding, so that the bytes hold it.
        record['_id'] = BSON::ObjectId.new unless record.key?('_id') || record.key?(:_id)
        @id = record['_id'] || record[:_id]
        @bson = record.to_bson.to_s
      end

      def to_bson(buffer = BSON::ByteBuffer.new, _validating_keys = nil)
        buffer.put_bytes(@bson)
      end

      def bson_type
        Hash::BSON_TYPE
      end

      # The encoded bytes, as raw BSON documents have them.
      def data
        @bson
      end
    end

    INTERNALS = {
      'MongoOutput#collect_records(chunk) and #replace_value_of_hash (private)' =>
        -> { MongoOutput.private_method_defined?(:collect_records) && MongoOutput.private_method_defined?(:replace_value_of_hash) },
      'MongoOutput#operate calls insert_many' => -> { DleInternals.in_code?(MongoOutput.instance_method(:operate), :insert_many) },
      'Mongo::BulkWrite::Validatable#validate_document accepts raw BSON (with data)' =>
        -> { Class.new { include Mongo::BulkWrite::Validatable }.new.send(:validate_document, :insert_one, EncodedDocument.new({})) },
      'Mongo::Operation::Idable#id asks doc.id' =>
        -> { DleInternals.in_code?(Mongo::Operation::Idable.instance_method(:id), :id) },
      'Mongo::Protocol::Serializers::Document.serialize calls to_bson' =>
        -> { DleInternals.in_code?(Mongo::Protocol::Serializers::Document.method(:serialize), :to_bson) },
    }.freeze

    def configure(conf)
      missing = DleInternals.missing(INTERNALS)
      unless missing.empty?
        raise Fluent::ConfigError, "dle_mongo relies on internals that fluent-plugin-mongo #{Gem.loaded_specs['fluent-plugin-mongo']&.version} " \
                                   "or mongo #{Mongo::VERSION} no longer has (fluentd #{Fluent::VERSION}): #{missing.join(', ')}"
      end
      super
      # The upstream plugin rewrites keys in `operate`, after collect_records: an encoded document has no keys left to
      # rewrite. dle's agent makes keys storable before they leave it (fluentd/plugins/dle_storable_keys.rb).
      if @replace_dot_in_key_with || @replace_dollar_in_key_with
        raise Fluent::ConfigError, 'dle_mongo does not rewrite keys (replace_dot_in_key_with, replace_dollar_in_key_with): the agent makes them storable'
      end
    end

    # Output#configure counts only the methods a plugin's own class defines as buffered writes (Output#implement?).
    def write(chunk)
      super
    end

    private

    def collect_records(chunk)
      super.map! { |record| EncodedDocument.new(replace_value_of_hash(record)) }
    end
  end
end
