import { memo, useEffect, useState } from 'react';
import '../controls.css';
import { useTranslation } from 'react-i18next';
import type { MeetingState } from '../../../meeting';
import { CountBadge } from '../../../ui/Badge';
import { Icon } from '../../../ui/Icon';
import { IconButton } from '../../../ui/IconButton';
import { LeaveControl } from '../../moderation/components/LeaveControl';
import type { LayoutMode } from '../../grid/layout';
import { selfHandRaised, selfIsHost, type MeetingControllerLike } from '../../meeting/controller';
import { useMeetingSelector } from '../../meeting/hooks/useMeeting';
import { ReactionsMenu } from '../../reactions/components/ReactionsMenu';
import { shortcutLabel, SHORTCUTS, useKeyboardShortcuts } from '../hooks/useKeyboardShortcuts';
import { useMediaToggles } from '../hooks/useMediaToggles';

export type Panel = 'chat' | 'participants' | 'lobby';

export interface ControlsBarProps {
  controller: Pick<
    MeetingControllerLike,
    | 'subscribe'
    | 'getSnapshot'
    | 'setMicrophoneEnabled'
    | 'setCameraEnabled'
    | 'startScreenShare'
    | 'stopScreenShare'
    | 'raiseHand'
    | 'react'
    | 'switchDevice'
  >;
  panel: Panel | null;
  onTogglePanel: (panel: Panel) => void;
  layout: LayoutMode;
  onToggleLayout: () => void;
  onOpenSettings: () => void;
  onOpenHelp: () => void;
  onLeave: () => void;
  /** Hosts: the meeting's access, lock, co-hosts and invitations. */
  onOpenMeetingSettings?: () => void;
  /** Hosts: end the meeting for everyone. */
  onEndForAll?: () => void;
  /** Hosts: start or stop a transcript. */
  onOpenTranscription?: () => void;
  /** The meeting code, shown next to the clock. */
  code: string;
}

const selectMic = (s: MeetingState) => s.local.microphone.enabled;
const selectCam = (s: MeetingState) => s.local.camera.enabled;
const selectSharing = (s: MeetingState) => s.local.screen !== null;
const selectUnread = (s: MeetingState) => s.chat.unread;
const selectCount = (s: MeetingState) => s.participants.length;
const selectWaiting = (s: MeetingState) => s.lobby.length;
const selectLocked = (s: MeetingState) => s.access?.locked === true;
const selectTranscribing = (s: MeetingState) => s.transcription.active;

function canShareScreen(): boolean {
  return typeof navigator !== 'undefined' && typeof navigator.mediaDevices?.getDisplayMedia === 'function';
}

function Clock() {
  const { i18n } = useTranslation();
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), 15_000);
    return () => clearInterval(timer);
  }, []);
  return <time dateTime={now.toISOString()}>{now.toLocaleTimeString(i18n.resolvedLanguage, { hour: '2-digit', minute: '2-digit' })}</time>;
}

/**
 * The meeting's controls: microphone, camera, screen, hand, reactions and
 * leave in the middle; views, settings, help, people and chat on the right.
 * Toggle buttons keep one name and say their state with aria-pressed.
 */
export const ControlsBar = memo(function ControlsBar({
  controller,
  panel,
  onTogglePanel,
  layout,
  onToggleLayout,
  onOpenSettings,
  onOpenHelp,
  onLeave,
  onOpenMeetingSettings,
  onEndForAll,
  onOpenTranscription,
  code,
}: ControlsBarProps) {
  const { t } = useTranslation();
  const micOn = useMeetingSelector(controller, selectMic);
  const camOn = useMeetingSelector(controller, selectCam);
  const sharing = useMeetingSelector(controller, selectSharing);
  const handRaised = useMeetingSelector(controller, selfHandRaised);
  const unread = useMeetingSelector(controller, selectUnread);
  const count = useMeetingSelector(controller, selectCount);
  const isHost = useMeetingSelector(controller, selfIsHost);
  const waiting = useMeetingSelector(controller, selectWaiting);
  const locked = useMeetingSelector(controller, selectLocked);
  const transcribing = useMeetingSelector(controller, selectTranscribing);
  const toggles = useMediaToggles(controller);
  useKeyboardShortcuts({ microphone: toggles.toggleMicrophone, camera: toggles.toggleCamera });

  return (
    <div className="v-bar">
      <div className="v-bar__info">
        <Clock />
        <span className="v-bar__sep" aria-hidden="true">
          |
        </span>
        <span className="v-bar__code">{code}</span>
        {locked && (
          <span className="v-bar__locked" title={t('access.locked')} data-testid="meeting-locked">
            <Icon name="lock" size="1rem" />
            <span className="fr-sr-only">{t('access.locked')}</span>
          </span>
        )}
      </div>
      <div className="v-bar__main" role="group" aria-label={t('controls.group')}>
        <IconButton
          icon={micOn ? 'mic' : 'micOff'}
          label={t('controls.microphone')}
          hint={shortcutLabel(SHORTCUTS.microphone)}
          tone={micOn ? 'default' : 'off'}
          aria-pressed={micOn}
          aria-keyshortcuts={SHORTCUTS.microphone}
          data-testid="toggle-mic"
          onClick={toggles.toggleMicrophone}
        />
        <IconButton
          icon={camOn ? 'camera' : 'cameraOff'}
          label={t('controls.camera')}
          hint={shortcutLabel(SHORTCUTS.camera)}
          tone={camOn ? 'default' : 'off'}
          aria-pressed={camOn}
          aria-keyshortcuts={SHORTCUTS.camera}
          data-testid="toggle-cam"
          onClick={toggles.toggleCamera}
        />
        {canShareScreen() && (
          <IconButton
            icon={sharing ? 'screenStop' : 'screen'}
            label={t('controls.screen')}
            tone={sharing ? 'active' : 'default'}
            aria-pressed={sharing}
            data-testid="toggle-screen"
            onClick={toggles.toggleScreen}
          />
        )}
        <IconButton
          icon="hand"
          label={t('controls.hand')}
          tone={handRaised ? 'active' : 'default'}
          aria-pressed={handRaised}
          data-testid="raise-hand"
          onClick={toggles.toggleHand}
        />
        <ReactionsMenu controller={controller} />
        <LeaveControl controller={controller} onLeave={onLeave} onEndForAll={onEndForAll ?? onLeave} />
      </div>
      <div className="v-bar__side" role="group" aria-label={t('controls.sideGroup')}>
        <IconButton
          icon={layout === 'speaker' ? 'speakerLayout' : 'grid'}
          label={t('controls.speakerView')}
          tone={layout === 'speaker' ? 'active' : 'default'}
          aria-pressed={layout === 'speaker'}
          data-testid="toggle-layout"
          onClick={onToggleLayout}
        />
        <IconButton icon="settings" label={t('controls.settings')} data-testid="open-settings" onClick={onOpenSettings} />
        {isHost && onOpenMeetingSettings !== undefined && (
          <IconButton icon="shield" label={t('controls.meetingSettings')} data-testid="open-meeting-settings" onClick={onOpenMeetingSettings} />
        )}
        {isHost && onOpenTranscription !== undefined && (
          <IconButton
            icon="transcript"
            label={t('transcription.control')}
            tone={transcribing ? 'active' : 'default'}
            description={transcribing ? t('transcription.controlActive') : undefined}
            aria-haspopup="dialog"
            data-testid="open-transcription"
            data-active={transcribing}
            onClick={onOpenTranscription}
          />
        )}
        <IconButton icon="keyboard" label={t('controls.help')} data-testid="open-help" onClick={onOpenHelp} />
        {isHost && (
          <IconButton
            icon="userAdd"
            label={t('controls.lobby')}
            tone={panel === 'lobby' ? 'active' : 'default'}
            aria-pressed={panel === 'lobby'}
            description={waiting > 0 ? t('lobby.waitingMany', { count: waiting }) : undefined}
            data-testid="toggle-lobby"
            onClick={() => onTogglePanel('lobby')}
            badge={waiting > 0 ? <CountBadge count={waiting} data-testid="lobby-count" /> : null}
          />
        )}
        <IconButton
          icon="people"
          label={t('controls.participants')}
          tone={panel === 'participants' ? 'active' : 'default'}
          aria-pressed={panel === 'participants'}
          description={t('participants.count', { count })}
          data-testid="toggle-participants"
          onClick={() => onTogglePanel('participants')}
          badge={<CountBadge count={count} tone="neutral" />}
        />
        <IconButton
          icon="chat"
          label={t('controls.chat')}
          tone={panel === 'chat' ? 'active' : 'default'}
          aria-pressed={panel === 'chat'}
          description={unread > 0 ? t('chat.unread', { count: unread }) : undefined}
          data-testid="toggle-chat"
          onClick={() => onTogglePanel('chat')}
          badge={unread > 0 ? <CountBadge count={unread} data-testid="chat-unread" /> : null}
        />
      </div>
    </div>
  );
});
