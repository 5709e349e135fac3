/**
 * Just enough of RTCPeerConnection for the publisher and subscriber logic:
 * mids are assigned like a browser's (in m-line order, at
 * setLocalDescription for our offers, from the `a=mid:` lines of remote
 * offers), and a recycled mid keeps its receiver track.
 */

let trackCount = 0;

export class FakeTrack extends EventTarget {
  readonly id = `track-${(trackCount += 1)}`;
  enabled = true;
  contentHint = '';
  readyState: MediaStreamTrackState = 'live';
  constructor(readonly kind: 'audio' | 'video') {
    super();
  }
  stop(): void {
    // Like a browser: stop() ends the track without firing `ended`.
    this.readyState = 'ended';
  }
  /** The user ended it from the browser (e.g. "Stop sharing"). */
  end(): void {
    this.readyState = 'ended';
    this.dispatchEvent(new Event('ended'));
  }
}

export class FakeSender {
  constructor(public track: FakeTrack | null) {}
  replaceTrack(track: FakeTrack | null): Promise<void> {
    this.track = track;
    return Promise.resolve();
  }
}

export class FakeTransceiver {
  mid: string | null = null;
  readonly sender: FakeSender;
  readonly receiver: { track: FakeTrack };
  constructor(
    kind: 'audio' | 'video',
    public direction: RTCRtpTransceiverDirection,
    readonly sendEncodings: RTCRtpEncodingParameters[] | undefined,
    track: FakeTrack | null,
  ) {
    this.sender = new FakeSender(track);
    this.receiver = { track: new FakeTrack(kind) };
  }
}

export class FakePeerConnection {
  static readonly all: FakePeerConnection[] = [];
  readonly transceivers: FakeTransceiver[] = [];
  readonly added: RTCIceCandidateInit[] = [];
  localDescription: RTCSessionDescriptionInit | null = null;
  remoteDescription: RTCSessionDescriptionInit | null = null;
  connectionState: RTCPeerConnectionState = 'new';
  closed = false;
  onicecandidate: ((event: { candidate: RTCIceCandidate | null }) => void) | null = null;
  onconnectionstatechange: (() => void) | null = null;
  private offers = 0;

  constructor(readonly configuration: RTCConfiguration) {
    FakePeerConnection.all.push(this);
  }

  static reset(): void {
    FakePeerConnection.all.length = 0;
  }

  static get last(): FakePeerConnection {
    const pc = FakePeerConnection.all.at(-1);
    if (pc === undefined) throw new Error('no peer connection was created');
    return pc;
  }

  addTransceiver(track: FakeTrack, init: RTCRtpTransceiverInit = {}): FakeTransceiver {
    const transceiver = new FakeTransceiver(
      track.kind,
      init.direction ?? 'sendrecv',
      init.sendEncodings,
      track,
    );
    this.transceivers.push(transceiver);
    return transceiver;
  }

  getTransceivers(): FakeTransceiver[] {
    return [...this.transceivers];
  }

  createOffer(): Promise<RTCSessionDescriptionInit> {
    this.offers += 1;
    return Promise.resolve({ type: 'offer', sdp: `fake offer ${this.offers}` });
  }

  createAnswer(): Promise<RTCSessionDescriptionInit> {
    return Promise.resolve({ type: 'answer', sdp: 'fake answer' });
  }

  setLocalDescription(description: RTCSessionDescriptionInit): Promise<void> {
    this.localDescription = description;
    this.transceivers.forEach((t, index) => {
      t.mid ??= String(index);
    });
    return Promise.resolve();
  }

  setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    this.remoteDescription = description;
    if (description.type === 'offer') {
      for (const [, mid] of (description.sdp ?? '').matchAll(/a=mid:(\S+)/g)) {
        if (mid === undefined || this.transceivers.some((t) => t.mid === mid)) continue;
        const kind = mid.startsWith('v') ? 'video' : 'audio';
        const transceiver = new FakeTransceiver(kind, 'recvonly', undefined, null);
        transceiver.mid = mid;
        this.transceivers.push(transceiver);
      }
    }
    return Promise.resolve();
  }

  addIceCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    if (this.remoteDescription === null) {
      return Promise.reject(new Error('InvalidStateError: no remote description'));
    }
    this.added.push(candidate);
    return Promise.resolve();
  }

  /** The browser gathered a candidate (null: gathering finished). */
  gather(candidate: string | null): void {
    const event =
      candidate === null
        ? { candidate: null }
        : { candidate: { candidate, sdpMid: '0', sdpMLineIndex: 0 } as RTCIceCandidate };
    this.onicecandidate?.(event);
  }

  setConnectionState(state: RTCPeerConnectionState): void {
    this.connectionState = state;
    this.onconnectionstatechange?.();
  }

  close(): void {
    this.closed = true;
    this.connectionState = 'closed';
  }
}

/** The factory to give Publisher / Subscriber / MediaSession. */
export function fakePeerConnectionFactory(configuration: RTCConfiguration): RTCPeerConnection {
  return new FakePeerConnection(configuration) as unknown as RTCPeerConnection;
}

/** A FakeTrack where the code expects a MediaStreamTrack. */
export function fakeTrack(kind: 'audio' | 'video'): MediaStreamTrack {
  return new FakeTrack(kind) as unknown as MediaStreamTrack;
}

/** A MediaStream stand-in (jsdom and Node have none). */
export class FakeMediaStream {
  private tracks: MediaStreamTrack[] = [];
  getTracks(): MediaStreamTrack[] {
    return [...this.tracks];
  }
  addTrack(track: MediaStreamTrack): void {
    this.tracks.push(track);
  }
  removeTrack(track: MediaStreamTrack): void {
    this.tracks = this.tracks.filter((t) => t !== track);
  }
}

export function fakeMediaStream(): MediaStream {
  return new FakeMediaStream() as unknown as MediaStream;
}
