# SPDX-License-Identifier: MIT
# credtrace-ruby.rb: the Ruby adapter, loaded by RUBYOPT=-r before the program. ENV reads of credential
# names tell the shim (libcredtrace.so, shim/node.c: the same messages as the Node adapter) their Ruby
# file:line, method and whether they ran while a file was loaded. Without the shim it does nothing.
# frozen_string_literal: true

lambda do
  mark = "\x1fcredtrace:"
  orig = ENV.method(:[]) # the original reader: it calls getenv, where the shim's hook answers
  ended = "#{mark}e"
  hello = begin
    orig.call("#{mark}hello:1:ruby:#{RUBY_VERSION}")
  rescue StandardError
    nil
  end
  next unless hello == '1'

  known = {}
  cred = lambda do |k|
    next false unless k.is_a?(String) && !k.include?("\0")

    c = known[k]
    if c.nil?
      c = orig.call("#{mark}q:#{k}") == '1'
      known[k] = c if known.size < 4096
    end
    c
  end
  # The site part of a message for the caller of ENV's method (loc), "" when there is none.
  site = lambda do |loc|
    next nil unless loc

    top = ['<main>', '<top (required)>'].include?(loc.label)
    "#{top ? 1 : 0}:#{loc.lineno}\x1f#{top ? '<module>' : loc.label}\x1f#{loc.absolute_path || loc.path}\x1f"
  end
  # One credential read: recorded by the shim, which then ignores this thread's getenv until "e".
  tracked = lambda do |loc, name, &access|
    s = site.call(loc)
    orig.call("#{mark}r:#{s}#{name}") if s
    begin
      access.call
    ensure
      orig.call(ended) if s
    end
  end

  reader = Module.new do
    define_method(:[]) do |name|
      return super(name) unless cred.call(name)

      tracked.call(caller_locations(1, 1).first, name) { super(name) }
    end
    define_method(:fetch) do |name, *rest, &blk|
      return super(name, *rest, &blk) unless cred.call(name)

      tracked.call(caller_locations(1, 1).first, name) { super(name, *rest, &blk) }
    end
    %i[key? has_key? include? member?].each do |m|
      define_method(m) do |name|
        return super(name) unless cred.call(name)

        tracked.call(caller_locations(1, 1).first, name) { super(name) }
      end
    end
  end
  ENV.singleton_class.prepend(reader)
end.call
