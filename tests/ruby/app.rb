# SPDX-License-Identifier: MIT
# app.rb: the Ruby app of tests/cases/68-ruby-adapter.sh: reads at load time in a required file, in a
# method, with key?, and prints only lengths and booleans (the same with and without credtrace).
require_relative 'lib_mod'
class Settings
  def load
    ENV.key?('CT_RIN_TOKEN') # @rin
  end
end
puts "loaded #{!LOADED.nil?} key #{Client.key.length} in #{Settings.new.load}"
puts "home #{!ENV['HOME'].nil?} missing #{ENV['CT_NOPE'].inspect}"
puts "ancestors #{ENV.singleton_class.ancestors.size > 0} fetch #{begin; ENV.fetch('CT_RNOPE_API_KEY'); rescue KeyError => e; e.message; end}"
