import { useCallback, useEffect, useRef, useState } from 'react';
import '../meeting.css';
import { useTranslation } from 'react-i18next';
import type { MeetingState } from '../../../meeting';
import { useToast } from '../../../ui/Toasts';
import { MeetingSettingsDialog } from '../../access/components/MeetingSettingsDialog';
import { ChatPanel } from '../../chat/components/ChatPanel';
import { ControlsBar, type Panel } from '../../controls/components/ControlsBar';
import { VideoGrid } from '../../grid/components/VideoGrid';
import type { LayoutMode } from '../../grid/layout';
import { LobbyNotice } from '../../lobby/components/LobbyNotice';
import { LobbyPanel } from '../../lobby/components/LobbyPanel';
import { useLobbyAlerts } from '../../lobby/hooks/useLobbyAlerts';
import { useMeetingNotices } from '../../moderation/hooks/useMeetingNotices';
import { ParticipantsPanel } from '../../participants/components/ParticipantsPanel';
import { mediaErrorMessage } from '../../prejoin/mediaErrors';
import { ReactionsOverlay } from '../../reactions/components/ReactionsOverlay';
import { SettingsDialog } from '../../settings/components/SettingsDialog';
import { ShortcutsDialog } from '../../settings/components/ShortcutsDialog';
import { TranscriptionDialog } from '../../transcription/components/TranscriptionDialog';
import { TranscriptionStatus } from '../../transcription/components/TranscriptionStatus';
import { selfIsHost, type MeetingControllerLike } from '../controller';
import { useMeetingSelector } from '../hooks/useMeeting';
import { AloneHint } from './AloneHint';
import { ConnectionBanner } from './ConnectionBanner';
import { RemoteAudio } from './RemoteAudio';

export interface MeetingScreenProps {
  controller: MeetingControllerLike;
  /** The meeting's code, for the title and the bar. */
  code: string;
  name: string | null;
}

const selectStatus = (s: MeetingState) => s.status;
const selectLocalError = (s: MeetingState) => s.local.error;
const selectHands = (s: MeetingState) => s.hands;

/** In the meeting: the stage, the side panel, the controls, remote audio and dialogs. */
export function MeetingScreen({ controller, code, name }: MeetingScreenProps) {
  const { t } = useTranslation();
  const notify = useToast();
  const status = useMeetingSelector(controller, selectStatus);
  const [panel, setPanel] = useState<Panel | null>(null);
  const [layout, setLayout] = useState<LayoutMode>('grid');
  const [dialog, setDialog] = useState<'settings' | 'help' | 'meeting' | 'transcription' | null>(null);
  const isHost = useMeetingSelector(controller, selfIsHost);
  useLobbyAlerts(controller);
  useMeetingNotices(controller);
  // A host who is no longer one: their lobby panel closes.
  useEffect(() => {
    if (!isHost) setPanel((current) => (current === 'lobby' ? null : current));
  }, [isHost]);
  const [audioBlocked, setAudioBlocked] = useState(false);
  const chatDraft = useRef('');
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    document.title = t('meeting.documentTitle', { name: name ?? code });
  }, [t, name, code]);

  // Screen reader users land on the meeting's heading, not on nothing.
  useEffect(() => {
    headingRef.current?.focus();
  }, []);

  // Leaving the page: say goodbye so that others see us leave at once.
  useEffect(() => {
    const onPageHide = () => void controller.leave();
    window.addEventListener('pagehide', onPageHide);
    return () => window.removeEventListener('pagehide', onPageHide);
  }, [controller]);

  // A capture that failed during the meeting (camera refused, screen share not allowed…).
  const localError = useMeetingSelector(controller, selectLocalError);
  useEffect(() => {
    if (localError !== null) notify(mediaErrorMessage(t, localError.kind, localError.code));
  }, [localError, notify, t]);

  // Announce newly raised hands (the list is also in the participants panel).
  const hands = useMeetingSelector(controller, selectHands);
  const previousHands = useRef<readonly string[]>(hands);
  useEffect(() => {
    const before = new Set(previousHands.current);
    previousHands.current = hands;
    const state = controller.getSnapshot();
    for (const id of hands) {
      if (before.has(id) || id === state.selfId) continue;
      const who = state.participants.find((p) => p.id === id)?.displayName;
      if (who !== undefined) notify(t('participants.handRaisedBy', { name: who }));
    }
  }, [hands, controller, notify, t]);

  const togglePanel = useCallback((next: Panel) => setPanel((current) => (current === next ? null : next)), []);
  // Closed from inside (its close button, Escape): focus goes back to the button that opened it.
  const closePanel = useCallback(() => {
    setPanel((current) => {
      if (current !== null) {
        requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-testid="toggle-${current}"]`)?.focus());
      }
      return null;
    });
  }, []);
  const toggleLayout = useCallback(() => setLayout((mode) => (mode === 'grid' ? 'speaker' : 'grid')), []);
  const openSettings = useCallback(() => setDialog('settings'), []);
  const openHelp = useCallback(() => setDialog('help'), []);
  const closeDialog = useCallback(() => setDialog(null), []);
  const openMeetingSettings = useCallback(() => setDialog('meeting'), []);
  const openTranscription = useCallback(() => setDialog('transcription'), []);
  const leave = useCallback(() => void controller.leave(), [controller]);
  const endForAll = useCallback(() => {
    controller.endMeeting().catch((error: unknown) => {
      console.warn('visio: could not end the meeting', error);
      notify(t('errors.actionFailed'));
    });
  }, [controller, notify, t]);
  const viewLobby = useCallback(() => setPanel('lobby'), []);
  const onAudioBlocked = useCallback(() => setAudioBlocked(true), []);

  return (
    <div className="v-meeting" data-testid="meeting" data-status={status}>
      <ConnectionBanner controller={controller} />
      {audioBlocked && (
        <div className="v-audio-blocked">
          <button
            type="button"
            className="fr-btn fr-btn--sm"
            onClick={() => {
              document.querySelectorAll<HTMLAudioElement>('audio[data-participant-id]').forEach((audio) => {
                audio.play().catch(() => undefined);
              });
              setAudioBlocked(false);
            }}
          >
            {t('meeting.enableAudio')}
          </button>
        </div>
      )}
      <div className="v-meeting__body">
        <main className="v-meeting__stage">
          <h1 ref={headingRef} tabIndex={-1} className="fr-sr-only">
            {t('meeting.heading', { name: name ?? code })}
          </h1>
          <VideoGrid controller={controller} mode={layout} />
          <ReactionsOverlay controller={controller} />
          <TranscriptionStatus controller={controller} />
          <AloneHint controller={controller} code={code} />
          {isHost && panel !== 'lobby' && <LobbyNotice controller={controller} onView={viewLobby} />}
        </main>
        {panel === 'chat' && <ChatPanel controller={controller} onClose={closePanel} draft={chatDraft} />}
        {panel === 'participants' && <ParticipantsPanel controller={controller} onClose={closePanel} />}
        {panel === 'lobby' && <LobbyPanel controller={controller} onClose={closePanel} />}
      </div>
      <footer className="v-meeting__controls">
        <ControlsBar
          controller={controller}
          panel={panel}
          onTogglePanel={togglePanel}
          layout={layout}
          onToggleLayout={toggleLayout}
          onOpenSettings={openSettings}
          onOpenHelp={openHelp}
          onLeave={leave}
          onOpenMeetingSettings={openMeetingSettings}
          onEndForAll={endForAll}
          onOpenTranscription={openTranscription}
          code={code}
        />
      </footer>
      <RemoteAudio controller={controller} onBlocked={onAudioBlocked} />
      <SettingsDialog controller={controller} open={dialog === 'settings'} onClose={closeDialog} />
      <ShortcutsDialog open={dialog === 'help'} onClose={closeDialog} />
      {isHost && <MeetingSettingsDialog controller={controller} slug={code} open={dialog === 'meeting'} onClose={closeDialog} />}
      {isHost && <TranscriptionDialog controller={controller} slug={code} open={dialog === 'transcription'} onClose={closeDialog} />}
    </div>
  );
}
