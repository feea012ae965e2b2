// A BullMQ sandboxed processor that does nothing (the peer of JobHandle's no-op drain).
module.exports = async function noop() {
  return null;
};
