import DataLoader from 'dataloader';
import type { Db } from '../../db/prisma';
import { Prisma, type Order, type OrderItem } from '../../generated/prisma/client';
import { groupBy, loaderByKey, namedBatch } from '../../db/batch';
import { childPageLoader, type ChildTable } from '../../db/child-page-loader';

const ORDERS_OF_USER: ChildTable = { table: Prisma.raw('"Order"'), parentColumn: Prisma.raw('"userId"'), where: Prisma.sql`TRUE` };

export function createOrderLoaders(db: Db) {
  return {
    orderById: loaderByKey(
      (ids: readonly number[]) => db.order.findMany({ where: { id: { in: [...ids] } } }),
      (order) => order.id,
      { name: 'orderById' },
    ),
    orderItemById: loaderByKey(
      (ids: readonly number[]) => db.orderItem.findMany({ where: { id: { in: [...ids] } } }),
      (item) => item.id,
      { name: 'orderItemById' },
    ),
    itemsByOrder: new DataLoader<number, OrderItem[]>(namedBatch('itemsByOrder', async (orderIds: readonly number[]) => {
      const items = await db.orderItem.findMany({ where: { orderId: { in: [...orderIds] } }, orderBy: { id: 'asc' } });
      return groupBy(orderIds, items, (item) => item.orderId);
    })),
    paymentById: loaderByKey(
      (ids: readonly number[]) => db.payment.findMany({ where: { id: { in: [...ids] } } }),
      (payment) => payment.id,
      { name: 'paymentById' },
    ),
    paymentByOrder: loaderByKey(
      (orderIds: readonly number[]) => db.payment.findMany({ where: { orderId: { in: [...orderIds] } } }),
      (payment) => payment.orderId,
      { name: 'paymentByOrder' },
    ),
    orderPageByUser: childPageLoader<Order>(db, ORDERS_OF_USER, (order) => order.userId, { name: 'orderPageByUser' }),
    orderCountByUser: new DataLoader<number, number>(namedBatch('orderCountByUser', async (userIds: readonly number[]) => {
      const counts = await db.order.groupBy({ by: ['userId'], where: { userId: { in: [...userIds] } }, _count: { _all: true } });
      const byUser = new Map(counts.map((row) => [row.userId, row._count._all]));
      return userIds.map((id) => byUser.get(id) ?? 0);
    })),
  };
}
