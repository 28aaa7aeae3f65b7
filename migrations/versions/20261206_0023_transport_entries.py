"""ADR 2017 Table A entries (one chemical, several entries), label models on chemicals, the entry a waybill line
travels under and its document line

Revision ID: 0023
Revises: 0019
Create Date: 2026-12-06

The seed list's chemicals get the label models the transport document needs (ADR 5.4.1.1.1 (c): chlorine
shows ``2.3 (5.1, 8)``), as ``hazledger catalogue seed`` would now write them.
"""
from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0019'
branch_labels = None
depends_on = None

#: Label models of the seed list's chemicals (ADR 2017 Table A column (5)), by UN number.
SEED_LABELS = {
    '1230': '3+6.1', '1005': '2.3+8', '1017': '2.3+5.1+8', '1203': '3', '1075': '2.1', '1049': '2.1',
    '1114': '3', '1294': '3', '1689': '6.1', '1170': '3', '1090': '3', '1830': '8', '1789': '8', '2031': '8',
    '2014': '5.1+8',
}


def upgrade() -> None:
    op.create_table('transport_entries',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('ref', sa.String(length=12), nullable=False, comment='UN/PG/variant, e.g. 1993/II/2'),
    sa.Column('un_number', sa.String(length=4), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False, comment='Table A column (2): name and description'),
    sa.Column('hazard_class', sa.String(length=8), nullable=False, comment='column (3a)'),
    sa.Column('classification_code', sa.String(length=12), nullable=False, comment='column (3b)'),
    sa.Column('packing_group', sa.String(length=3), nullable=True, comment='column (4)'),
    sa.Column('labels', sa.String(length=40), nullable=False, comment='column (5), joined by +'),
    sa.Column('special_provisions', sa.String(length=100), nullable=False, comment='column (6), space-separated'),
    sa.Column('tank_code', sa.String(length=40), nullable=False, comment='column (12)'),
    sa.Column('transport_category', sa.String(length=1), nullable=False, comment='column (15), upper part'),
    sa.Column('tunnel_code', sa.String(length=8), nullable=False, comment='column (15): tunnel restriction code'),
    sa.Column('hazard_id', sa.String(length=8), nullable=False, comment='column (20): Kemler number'),
    sa.Column('carriage', sa.String(length=24), nullable=True,
              comment="'carriage prohibited' or 'not subject to ADR' (column 4); null when carried"),
    sa.Column('variant', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False, comment='the import it came from'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transport_entries')),
    sa.UniqueConstraint('ref', name=op.f('uq_transport_entries_ref'))
    )
    with op.batch_alter_table('transport_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transport_entries_un_number'), ['un_number'], unique=False)

    with op.batch_alter_table('chemicals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('labels', sa.String(length=40), nullable=True,
                                      comment='ADR label models joined by +, the primary first (chlorine 2.3+5.1+8)'))
    chemicals = sa.table('chemicals', sa.column('un_number', sa.String), sa.column('source', sa.String),
                         sa.column('labels', sa.String))
    for un_number, labels in SEED_LABELS.items():
        op.execute(chemicals.update().where(chemicals.c.source == 'cn_seed', chemicals.c.un_number == un_number)
                   .values(labels=labels))

    with op.batch_alter_table('waybill_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entry_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('document_line', sa.String(length=700), nullable=True,
                                      comment='ADR 5.4.1.1.1, as submitted'))
        batch_op.create_foreign_key(batch_op.f('fk_waybill_lines_entry_id_transport_entries'), 'transport_entries',
                                    ['entry_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('waybill_lines', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_waybill_lines_entry_id_transport_entries'), type_='foreignkey')
        batch_op.drop_column('document_line')
        batch_op.drop_column('entry_id')
    with op.batch_alter_table('chemicals', schema=None) as batch_op:
        batch_op.drop_column('labels')
    with op.batch_alter_table('transport_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transport_entries_un_number'))
    op.drop_table('transport_entries')
