/** WebRTC glue of the web client: plain TypeScript, no React. */
export { Publisher, CAMERA_SIMULCAST_ENCODINGS } from './Publisher';
export type { PublisherOptions, PublishTracks } from './Publisher';
export { Subscriber } from './Subscriber';
export type { ReceivedStream, SubscriberOptions } from './Subscriber';
export { MediaSession } from './MediaSession';
export type { MediaSessionOptions } from './MediaSession';
export { chooseSubscriptions, layerForHeight, subscriptionKey } from './chooseSubscriptions';
export type { SubscriptionInput, VisibleTile } from './chooseSubscriptions';
export { mapTracksByMid, RemoteStreams, streamKey } from './trackTable';
export type { MappedTrack, ReceiverSlot, RemoteStream, StreamKey, StreamLike } from './trackTable';
export { LocalCandidates, RemoteCandidates, toRtcIceServers, toWireCandidate } from './ice';
export {
  inboundAudioEnergy,
  inboundVideoStats,
  readInboundAudio,
  readInboundVideo,
} from './stats';
export type { InboundAudioStats, InboundVideoStats, StatsSource } from './stats';
export {
  audioConstraints,
  DEFAULT_AUDIO_PROCESSING,
  getCameraTrack,
  getMicrophoneTrack,
  getScreenCapture,
  listDevices,
  MediaAccessError,
  toMediaAccessError,
  videoConstraints,
} from './devices';
export type {
  AudioProcessing,
  CaptureKind,
  DeviceList,
  MediaAccessErrorCode,
  MediaDevicesLike,
  ScreenCapture,
  VideoQuality,
} from './devices';
export { AudioLevelMeter, rmsLevel } from './audioLevel';
export type { AudioLevelMeterOptions } from './audioLevel';
export { browserPeerConnection } from './port';
export type { PeerConnectionFactory, SignalingPort } from './port';
