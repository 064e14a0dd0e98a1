//! Reading on a helper thread: a producer fills rows there and hands them over in batches
//! through a bounded channel, so the calling thread can map and encode while the next rows are
//! read. Row buffers travel back for reuse, so memory stays flat however long the input is.

use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use super::error::InputError;
use super::row::{Row, RowSink, SheetInfo, Stopped};

/// Rows per batch.
const BATCH: usize = 512;
/// Batches in flight.
const IN_FLIGHT: usize = 4;

enum Message {
    Start(SheetInfo),
    Rows(Vec<Row>),
    Restart,
}

/// The producer's end: batches rows, reusing the buffers the consumer sends back.
pub struct ChannelSink {
    tx: SyncSender<Message>,
    recycled: Receiver<Vec<Row>>,
    batch: Vec<Row>,
    spare: Vec<Row>,
}

impl ChannelSink {
    fn flush(&mut self) -> Result<(), Stopped> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let next = match self.recycled.try_recv() {
            Ok(mut used) => {
                self.spare.append(&mut used);
                used
            }
            Err(_) => Vec::with_capacity(BATCH),
        };
        let full = std::mem::replace(&mut self.batch, next);
        self.tx.send(Message::Rows(full)).map_err(|_| Stopped)
    }
}

impl RowSink for ChannelSink {
    fn start(&mut self, info: SheetInfo) -> Result<(), Stopped> {
        self.tx.send(Message::Start(info)).map_err(|_| Stopped)
    }

    fn restart(&mut self) -> Result<(), Stopped> {
        self.batch.clear();
        self.tx.send(Message::Restart).map_err(|_| Stopped)
    }

    fn row(&mut self, row: &mut Row) -> Result<(), Stopped> {
        let mut slot = self.spare.pop().unwrap_or_default();
        std::mem::swap(&mut slot, row);
        self.batch.push(slot);
        if self.batch.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }
}

/// Runs `produce` on a helper thread named `name`; the rows it makes reach `sink` here.
pub fn on_helper_thread<F>(path: &Path, name: &str, sink: &mut impl RowSink, produce: F) -> Result<(), InputError>
where
    F: FnOnce(&mut ChannelSink) -> Result<(), InputError> + Send,
{
    let (tx, rx) = sync_channel::<Message>(IN_FLIGHT);
    let (recycle_tx, recycle_rx) = sync_channel::<Vec<Row>>(IN_FLIGHT + 2);
    std::thread::scope(|scope| {
        let producer = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn_scoped(scope, move || {
                let mut channel = ChannelSink {
                    tx,
                    recycled: recycle_rx,
                    batch: Vec::with_capacity(BATCH),
                    spare: Vec::new(),
                };
                produce(&mut channel).and_then(|()| channel.flush().map_err(InputError::from))
            })
            .map_err(|e| InputError::ReaderFailed {
                path: path.to_owned(),
                why: format!("cannot start a thread ({e})"),
            })?;

        let mut consumed = Ok(());
        'messages: for message in &rx {
            match message {
                Message::Start(info) => {
                    if let Err(e) = sink.start(info) {
                        consumed = Err(e);
                        break;
                    }
                }
                Message::Restart => {
                    if let Err(e) = sink.restart() {
                        consumed = Err(e);
                        break;
                    }
                }
                Message::Rows(mut rows) => {
                    for row in &mut rows {
                        if let Err(e) = sink.row(row) {
                            consumed = Err(e);
                            break 'messages;
                        }
                    }
                    let _ = recycle_tx.try_send(rows);
                }
            }
        }
        // Dropping the receiver stops the producer if the consumer stopped half-way.
        drop(rx);
        let produced = producer.join().map_err(|panic| {
            let why = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            InputError::ReaderFailed {
                path: path.to_owned(),
                why: format!("the reader stopped unexpectedly ({why})"),
            }
        })?;
        consumed?;
        produced
    })
}
