# SPDX-License-Identifier: MIT
# lib_mod.rb: read while the file is required, and inside a method (tests/cases/68-ruby-adapter.sh).
LOADED = ENV['CT_RMOD_API_KEY'] # @rmod
module Client
  def self.key
    ENV.fetch('CT_RFN_API_KEY', '') # @rfn
  end
end
